"""Following objectives, teams and people, and who follows an objective automatically.

An objective is followed automatically by its owner (the person, or the leads of the owning
team) and by the owners of the objectives aligned to it: they are the people whose work it
is or who build on it. Anyone may follow any objective they can see, any team or any person;
a `Follow` row with `following=False` turns an automatic follow off.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from stretch import access
from stretch.okrs.models import Objective
from stretch.org.models import Membership
from stretch.social.models import Follow


def _owners(objectives: list[Objective]) -> dict[int, set[int]]:
    """Each objective's owners: its person, or the leads of its team (one query)."""
    team_ids = {o.owner_team_id for o in objectives if o.owner_team_id}
    leads: dict[int, set[int]] = {}
    if team_ids:
        rows = Membership.objects.filter(
            team_id__in=team_ids, role=Membership.Role.LEAD, person__is_active=True
        ).values_list("team_id", "person_id")
        for team_id, person_id in rows:
            leads.setdefault(team_id, set()).add(person_id)
    return {
        o.pk: {o.owner_person_id} if o.owner_person_id else leads.get(o.owner_team_id or 0, set())
        for o in objectives
    }


def automatic_followers(objective: Objective) -> set[int]:
    """Who follows `objective` without asking: its owners and the owners of its children."""
    children = list(
        Objective.objects.filter(parent=objective).only("id", "owner_person", "owner_team")
    )
    owners = _owners([objective, *children])
    found: set[int] = set()
    for ids in owners.values():
        found |= ids
    return found


def owners_of(objective: Objective | None) -> set[int]:
    """The people who own `objective` (its person, or its team's leads)."""
    if objective is None:
        return set()
    return _owners([objective])[objective.pk]


def followers(objective: Objective) -> set[int]:
    """Everyone following `objective`: automatically, by choice, or through following its
    owner (the person or the team); less those who turned it off."""
    found = automatic_followers(objective)
    subject = Q(objective=objective)
    if objective.owner_person_id:
        subject |= Q(person_id=objective.owner_person_id)
    if objective.owner_team_id:
        subject |= Q(team_id=objective.owner_team_id)
    rows = list(Follow.objects.filter(subject).values_list("follower_id", "following", "objective"))
    found |= {follower for follower, following, _obj in rows if following}
    # Unfollowing the objective itself wins over every other way of following it.
    found -= {follower for follower, following, obj in rows if obj and not following}
    return found


def _subject(objective=None, team=None, person=None) -> dict:
    given = {
        name: value
        for name, value in (("objective", objective), ("team", team), ("person", person))
        if value is not None
    }
    if len(given) != 1:
        raise ValidationError({"objective": _("Follow exactly one of objective, team or person.")})
    return given


def set_following(user, *, following: bool, objective=None, team=None, person=None) -> Follow:
    """Follow (or stop following) one objective, team or person."""
    subject = _subject(objective, team, person)
    if person is not None and person.pk == user.pk:
        raise ValidationError({"person": _("You cannot follow yourself.")})
    if objective is not None and not access.can_view_objective(user, objective):
        raise ValidationError(
            {"objective": _("No objective with id %(id)s.") % {"id": objective.pk}}
        )
    follow, _created = Follow.objects.update_or_create(
        follower=user, **subject, defaults={"following": following}
    )
    return follow


def is_following(user, *, objective=None, team=None, person=None) -> bool:
    subject = _subject(objective, team, person)
    row = Follow.objects.filter(follower=user, **subject).values_list("following", flat=True)
    chosen = row.first()
    if chosen is not None:
        return chosen
    return objective is not None and user.pk in automatic_followers(objective)


def follows_of(user) -> QuerySet:
    """What `user` follows by choice (automatic follows are not listed)."""
    return (
        Follow.objects.filter(follower=user, following=True)
        .filter(
            Q(objective__isnull=True)
            | Q(objective__in=access.objectives_visible_to(user).values("id"))
        )
        .select_related("objective", "team", "person__profile")
        .order_by("-created_at", "-id")
    )


def objective_context(user, objective) -> dict:
    """The follow button on the objective page (two queries: the person's own choice, and
    whether they own an objective aligned to this one)."""
    led = access.reach(user).led_teams
    automatic = (
        objective.owner_person_id == user.pk
        or objective.owner_team_id in led
        or Objective.objects.filter(parent=objective)
        .filter(Q(owner_person=user) | Q(owner_team_id__in=led))
        .exists()
    )
    chosen = (
        Follow.objects.filter(follower=user, objective=objective)
        .values_list("following", flat=True)
        .first()
    )
    return {
        "following": chosen if chosen is not None else automatic,
        "follows_automatically": automatic,
    }


def subject_for(user, *, objective=None, team=None, person=None, in_api: bool = True) -> dict:
    """The one objective, team or person behind request ids, to follow or unfollow.

    Not exactly one given, or an unknown id, is a 400 naming the field. An objective the user
    may not see is, in the API, the same 400 as an unknown one; on a page a 404.
    """
    given = [
        n
        for n, pk in (("objective", objective), ("team", team), ("person", person))
        if pk is not None
    ]
    if len(given) != 1:
        field = given[1] if given else "objective"
        raise ValidationError({field: _("Give exactly one of objective, team or person.")})
    if objective is not None:
        found = access.get_objective_for_user(
            user, objective, field="objective" if in_api else None
        )
        return {"objective": found}
    if team is not None:
        return {"team": access.get_team(team, field="team")}
    return {"person": access.get_person(person, field="person")}
