"""Explore: every objective the reader may see, filtered and searched, a page at a time.

Search matches every word typed against titles and descriptions of objectives and their key
results, as plain substrings: it works the same on SQLite and PostgreSQL and for Chinese,
which has no spaces between words for a word-based index to split on.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import render

from stretch import access
from stretch.okrs import progress as math
from stretch.okrs import rollup
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.okrs.views import objectives_queryset, pick_cycle
from stretch.org.models import Membership, Team, display_name
from stretch.params import as_int

PAGE_SIZE = 25
HEALTH = {math.ON_TRACK, math.AT_RISK, math.OFF_TRACK}


def search(queryset, text: str):
    for word in text.split()[:8]:
        matching_krs = KeyResult.objects.filter(title__icontains=word).values("objective_id")
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(pk__in=matching_krs)
        )
    return queryset


@dataclass(frozen=True)
class Filters:
    """What explore's query string asks for (anything unknown is ignored)."""

    cycle: Cycle | None
    team_id: int | None
    owner_id: int | None
    status: str
    kind: str
    health: str
    q: str


def read_filters(request) -> Filters:
    params = request.GET
    return Filters(
        cycle=pick_cycle(request),
        team_id=as_int(params.get("team")),
        owner_id=as_int(params.get("owner")),
        status=params.get("status", ""),
        kind=params.get("kind", ""),
        health=params.get("health", ""),
        q=params.get("q", "").strip(),
    )


def matching(user, filters: Filters) -> QuerySet:
    """The objectives `user` may see that match every filter but health, newest first."""
    qs = access.objectives_visible_to(user, objectives_queryset().select_related("pillar"))
    if filters.cycle is not None:
        qs = qs.filter(cycle=filters.cycle)
    if filters.team_id is not None:
        members = Membership.objects.filter(team_id=filters.team_id).values("person_id")
        qs = qs.filter(Q(owner_team_id=filters.team_id) | Q(owner_person_id__in=members))
    if filters.owner_id is not None:
        qs = qs.filter(owner_person_id=filters.owner_id)
    if filters.status in Objective.Status.values:
        qs = qs.filter(status=filters.status)
    if filters.kind in Objective.Kind.values:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = search(qs, filters.q)
    return qs.order_by("-updated_at", "-pk")


def matching_all(user, filters: Filters) -> list[Objective]:
    """Every objective the page lists over all its pages, with its progress (the CSV
    download, and the page itself when it filters by health)."""
    # Health moves with every check-in and every day, so it is computed, not stored:
    # roll up everything that matched so far, then keep the asked-for health.
    matched = list(matching(user, filters))
    rollup.annotate(matched)
    if filters.health in HEALTH:
        return [o for o in matched if o.health == filters.health]
    return matched


def explore(request):
    filters = read_filters(request)
    params = request.GET
    cycle, owner_id = filters.cycle, filters.owner_id
    if filters.health in HEALTH:
        kept = matching_all(request.user, filters)
        page = Paginator(kept, PAGE_SIZE).get_page(params.get("page"))
    else:
        qs = matching(request.user, filters)
        page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
        page.object_list = list(page.object_list)
        rollup.annotate(page.object_list)

    owner = None
    if owner_id is not None:
        people = get_user_model().objects.select_related("profile")
        owner = people.filter(pk=owner_id).first()
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "okrs/explore.html",
        {
            "cycle": cycle,
            "cycles": Cycle.objects.all(),
            "teams": Team.objects.only("id", "name"),
            "page": page,
            "filters": {
                "team": filters.team_id,
                "status": filters.status,
                "kind": filters.kind,
                "health": filters.health,
                "q": filters.q,
            },
            "owner": owner,
            "owner_name": display_name(owner) if owner else "",
            "statuses": Objective.Status.choices,
            "kinds": Objective.Kind.choices,
            "query": query.urlencode(),
        },
    )
