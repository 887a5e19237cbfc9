"""The activity feed: what changed in the company, a team or around a person.

The same visibility rule as everywhere: an activity on an objective is seen by those who may
see the objective (`access.objectives_visible_to`); an activity on no objective is public.
A team's feed covers the team, the teams below it and the personal objectives of its
people; a person's feed what they did and what happened to their objectives; "following"
what a person owns, the teams they belong to, and whatever they follow.
"""

from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, Prefetch, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from stretch import access
from stretch.cfr.models import Recognition
from stretch.org.models import Membership, Team
from stretch.social.models import Activity, Follow

ABOUT_TWO = [
    Activity.Verb.ALIGNMENT_REQUESTED,
    Activity.Verb.ALIGNMENT_ACCEPTED,
    Activity.Verb.ALIGNMENT_DECLINED,
]  # activities that name a second objective: `data["target_id"]`, `data["target_title"]`


def visible_activities(user, queryset: QuerySet | None = None) -> QuerySet:
    """Activities on objectives `user` may see; one that names a second objective (an
    alignment request) only when they may see that one too."""
    qs = Activity.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    if access.is_admin(user):
        return qs
    visible = access.objectives_visible_to(user).values("id")
    # The id is read as text and cast: a JSON value compared with an integer column works on
    # SQLite but not on PostgreSQL (jsonb = bigint).
    target = Cast(KeyTextTransform("target_id", "data"), BigIntegerField())
    hidden_target = (
        Activity.objects.filter(verb__in=ABOUT_TWO)
        .annotate(target=target)
        .exclude(target__in=visible)
    )
    return qs.filter(Q(objective__isnull=True) | Q(objective__in=visible)).exclude(
        pk__in=hidden_target.values("pk")
    )


def subtree(team: Team) -> set[int]:
    """The team and every team below it (the walk `access.reach` makes for led teams),
    walked once per loaded team: a page asking twice reads it from the instance."""
    cached = getattr(team, "_stretch_subtree", None)
    if cached is None:
        cached = {team.pk} | access.descendants({team.pk}, Team.objects.all())
        team._stretch_subtree = cached  # type: ignore[attr-defined]
    return set(cached)


def followed_by(user) -> Q:
    """What `user` hears of: their own objectives and teams, and what they follow."""
    chosen = Follow.objects.filter(follower=user, following=True)
    teams = set(chosen.exclude(team=None).values_list("team_id", flat=True))
    teams |= set(access.reach(user).member_teams)
    people = (
        Q(user=user)
        | Q(user_id__in=Membership.objects.filter(team_id__in=teams).values("person_id"))
        | Q(user_id__in=chosen.exclude(person=None).values("person_id"))
    )
    recognised = Recognition.receivers.through.objects.filter(people)
    return (
        Q(person=user)
        | Q(actor=user)
        | Q(recognition_id__in=recognised.values("recognition_id"))
        | Q(team_id__in=teams)
        | Q(person_id__in=Membership.objects.filter(team_id__in=teams).values("person_id"))
        | Q(person_id__in=chosen.exclude(person=None).values("person_id"))
        | Q(objective_id__in=chosen.exclude(objective=None).values("objective_id"))
        | Q(objective__parent__owner_person=user)
    )


def feed(
    user,
    *,
    team: Team | None = None,
    person=None,
    verb: str | None = None,
    following: bool = False,
    cycle=None,
) -> QuerySet:
    """The activities `user` may see, newest first, for the whole company or one scope
    (`following`: only what they own, belong to or follow)."""
    qs = Activity.objects.select_related(
        "actor__profile",
        "objective",
        "key_result",
        "comment",
        "team",
        "person__profile",
        "recognition",
    )
    qs = qs.prefetch_related(
        Prefetch(
            "recognition__receivers",
            queryset=get_user_model().objects.select_related("profile"),
        )
    ).order_by("-created_at", "-id")
    if team is not None:
        teams = subtree(team)
        people = Membership.objects.filter(team_id__in=teams).values("person_id")
        recognised = Recognition.receivers.through.objects.filter(user_id__in=people)
        qs = qs.filter(
            Q(team_id__in=teams)
            | Q(person_id__in=people)
            | Q(recognition_id__in=recognised.values("recognition_id"))
        )
    if person is not None:
        recognised = Recognition.receivers.through.objects.filter(user=person)
        qs = qs.filter(
            Q(actor=person)
            | Q(person=person)
            | Q(recognition_id__in=recognised.values("recognition_id"))
        )
    if following:
        qs = qs.filter(followed_by(user))
    if cycle is not None:  # what happened to the cycle's objectives (and to no objective)
        qs = qs.filter(Q(objective__cycle=cycle) | Q(objective__isnull=True))
    if verb:
        qs = qs.filter(verb=verb)
    # A comment edited is the same comment: the feed tells of it once, when it was written.
    edits = Activity.objects.filter(verb=Activity.Verb.COMMENT, data__edited=True)
    qs = qs.exclude(pk__in=edits.values("pk"))
    return visible_activities(user, qs)
