"""The one place that decides who may see and change what.

Reading: public objectives are open to everyone in the company. A private objective is
visible to its owner, to the members and leads of the owning team, to leads of any team
above the owning team, to every manager above its owner, and to administrators. Anyone
else gets a 404, as if it did not exist.

Changing: an objective and its key results may be changed by the owner, a lead of the
owning team, or an administrator. A key result's own owner may also check in on it.

Conversations and feedback (CFR) are the exception to "administrators see everything":
a 1:1 is seen by its two participants only, and feedback by its giver, its receiver, the
receiver's managers up the line when it is `manager`, and everyone when it is `public`.
Administrators get nothing extra, so private words stay between the people they are for.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from stretch.cfr.models import Conversation, Feedback
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.org.models import Membership, Profile, Team


def is_admin(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.is_staff))


@dataclass(frozen=True)
class Reach:
    """The people and teams whose private OKRs a user may read or change."""

    reports: frozenset[int]  # every person below the user in the manager line
    led_teams: frozenset[int]  # teams the user leads
    member_teams: frozenset[int]  # teams the user belongs to, as member or lead
    overseen_teams: frozenset[int]  # led teams and every team below them


def descendants(ids: set[int], edges: "QuerySet") -> set[int]:
    """All nodes below `ids` in a parent/child table, one query per level."""
    found: set[int] = set()
    frontier = set(ids)
    while frontier:
        below = set(edges.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        found |= below
        frontier = below
    return found


def reach(user) -> Reach:
    cached = getattr(user, "_stretch_reach", None)
    if cached is not None:
        return cached
    memberships = list(Membership.objects.filter(person=user).values_list("team_id", "role"))
    led = {team for team, role in memberships if role == Membership.Role.LEAD}
    reports: set[int] = set()
    frontier = {user.pk}
    while frontier:
        below = (
            set(Profile.objects.filter(manager_id__in=frontier).values_list("user_id", flat=True))
            - reports
            - {user.pk}
        )
        reports |= below
        frontier = below
    result = Reach(
        reports=frozenset(reports),
        led_teams=frozenset(led),
        member_teams=frozenset(team for team, _role in memberships),
        overseen_teams=frozenset(led | descendants(led, Team.objects.all())),
    )
    user._stretch_reach = result
    return result


def objectives_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    qs = Objective.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    if is_admin(user):
        return qs
    r = reach(user)
    return qs.filter(
        Q(visibility=Objective.Visibility.PUBLIC)
        | Q(owner_person_id=user.pk)
        | Q(owner_person_id__in=r.reports)
        | Q(owner_team_id__in=r.member_teams | r.overseen_teams)
    )


def visible_ids(user, ids: set[int]) -> set[int]:
    """Those of the objective ids `ids` that `user` may see, in at most one query."""
    if not ids or is_admin(user):
        return set(ids)
    return set(objectives_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def key_results_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    qs = KeyResult.objects.all() if queryset is None else queryset
    return qs.filter(objective__in=objectives_visible_to(user).values("id"))


def can_view_objective(user, objective: Objective) -> bool:
    if not user.is_authenticated:
        return False
    if objective.visibility == Objective.Visibility.PUBLIC or is_admin(user):
        return True
    r = reach(user)
    return (
        objective.owner_person_id == user.pk
        or objective.owner_person_id in r.reports
        or objective.owner_team_id in (r.member_teams | r.overseen_teams)
    )


def viewers_of(objective: Objective) -> set[int] | None:
    """The people who may see `objective` (None: everyone, it is public): the rule of
    `can_view_objective` from the objective's side, in a few queries whatever the number of
    people asked about (for telling many people of one private objective)."""
    if objective.visibility == Objective.Visibility.PUBLIC:
        return None
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.filter(is_active=True)
    ids = set(people.filter(Q(is_superuser=True) | Q(is_staff=True)).values_list("pk", flat=True))
    if objective.owner_person_id is not None:
        ids.add(objective.owner_person_id)
        managers = dict(Profile.objects.values_list("user_id", "manager_id"))
        above = managers.get(objective.owner_person_id)
        while above is not None and above not in ids:
            ids.add(above)
            above = managers.get(above)
    if objective.owner_team_id is not None:
        parents = dict(Team.objects.values_list("id", "parent_id"))
        line: list[int] = []
        team: int | None = objective.owner_team_id
        while team is not None and team not in line:
            line.append(team)
            team = parents.get(team)
        memberships = Membership.objects.filter(
            Q(team_id=objective.owner_team_id) | Q(team_id__in=line, role=Membership.Role.LEAD)
        )
        ids |= set(memberships.values_list("person_id", flat=True))
    return ids


def visible_conversations(user) -> QuerySet:
    """The 1:1s `user` may read: those they take part in (administrators included)."""
    if not user.is_authenticated:
        return Conversation.objects.none()
    return Conversation.objects.filter(Q(person_a=user) | Q(person_b=user))


def visible_feedback(user) -> QuerySet:
    """All feedback `user` may read, with the people loaded (the only privacy gate)."""
    if not user.is_authenticated:
        return Feedback.objects.none()
    return (
        Feedback.objects.filter(
            Q(giver=user)
            | Q(receiver=user)
            | Q(visibility=Feedback.Visibility.MANAGER, receiver_id__in=reach(user).reports)
            | Q(visibility=Feedback.Visibility.PUBLIC)
        )
        .select_related("giver__profile", "receiver__profile", "objective")
        .order_by("-created_at", "-id")
    )


def can_edit_objective(user, objective: Objective) -> bool:
    if is_admin(user):
        return True
    if objective.owner_person_id is not None:
        return objective.owner_person_id == user.pk
    return objective.owner_team_id in reach(user).led_teams


def can_check_in(user, key_result: KeyResult) -> bool:
    return key_result.owner_id == user.pk or can_edit_objective(user, key_result.objective)


def can_edit_initiatives(user, key_result: KeyResult) -> bool:
    """The work under a key result is planned by whoever answers for the result: its owner,
    and whoever may change the objective."""
    if not user.is_authenticated:
        return False
    return key_result.owner_id == user.pk or can_edit_objective(user, key_result.objective)


def can_own(user, *, owner_person=None, owner_team=None) -> bool:
    """May `user` create an objective for this owner: themself, or a team they lead."""
    if is_admin(user):
        return True
    if owner_person is not None:
        return owner_person.pk == user.pk
    return owner_team is not None and owner_team.pk in reach(user).led_teams


def teams_user_may_own_for(user) -> QuerySet:
    """The teams `user` may give objectives to (the rule of `can_own`): those they lead, or
    every team for an administrator."""
    if is_admin(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=reach(user).led_teams)


def can_lead_team(user, team: Team) -> bool:
    """A team's own leads and administrators speak for it: they set its check-in rhythm
    and write its reviews (a lead of a team above does not)."""
    return is_admin(user) or team.pk in reach(user).led_teams


def can_manage_company(user) -> bool:
    """Cycles, teams, people and strategy are set up by administrators."""
    return is_admin(user)


def _missing(field: str | None, what: str, pk) -> Exception:
    if field:
        return ValidationError({field: _("No %(what)s with id %(id)s.") % {"what": what, "id": pk}})
    return Http404(_("No %(what)s with id %(id)s.") % {"what": what, "id": pk})


def get_objective_for_user(user, pk, *, write: bool = False, field: str | None = None) -> Objective:
    """The objective `pk` if `user` may see it (404 otherwise) and, with write, change it (403).

    With `field`, a missing objective is a validation error on that request field instead.
    """
    objective = (
        objectives_visible_to(user, Objective.objects.select_related("cycle")).filter(pk=pk).first()
    )
    if objective is None:
        raise _missing(field, _("objective"), pk)
    if write and not can_edit_objective(user, objective):
        raise PermissionDenied(_("You may not change this objective."))
    return objective


def get_key_result_for_user(user, pk, *, write: bool = False, check_in: bool = False) -> KeyResult:
    key_result = (
        key_results_visible_to(user, KeyResult.objects.select_related("objective__cycle"))
        .filter(pk=pk)
        .first()
    )
    if key_result is None:
        raise _missing(None, _("key result"), pk)
    if write and not can_edit_objective(user, key_result.objective):
        raise PermissionDenied(_("You may not change this key result."))
    if check_in and not can_check_in(user, key_result):
        raise PermissionDenied(_("You may not check in on this key result."))
    return key_result


def get_cycle(pk, *, field: str | None = None) -> Cycle:
    cycle = Cycle.objects.filter(pk=pk).first()
    if cycle is None:
        raise _missing(field, _("cycle"), pk)
    return cycle


def get_team(pk, *, field: str | None = None) -> Team:
    team = Team.objects.filter(pk=pk).first()
    if team is None:
        raise _missing(field, _("team"), pk)
    return team


def get_person(pk, *, field: str | None = None):
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise _missing(field, _("person"), pk)
    return person


def can_manage_kpi(user, kpi_or_team) -> bool:
    """A KPI (or a new one for a team) is looked after by its owner, the leads of its team
    or of a team above it, and administrators. Everyone in the company reads every KPI."""
    if not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    team_id = getattr(kpi_or_team, "team_id", None)
    if team_id is None:  # a team
        team_id = kpi_or_team.pk
    elif kpi_or_team.owner_id is not None and kpi_or_team.owner_id == user.pk:
        return True
    return team_id in reach(user).overseen_teams
