"""Explore: every objective the reader may see, filtered and searched, a page at a time.

Search matches every word typed against titles and descriptions of objectives and their key
results, as plain substrings: it works the same on SQLite and PostgreSQL and for Chinese,
which has no spaces between words for a word-based index to split on.
"""

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q
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


def explore(request):
    cycle = pick_cycle(request)
    params = request.GET
    team_id, owner_id = as_int(params.get("team")), as_int(params.get("owner"))
    status, kind = params.get("status", ""), params.get("kind", "")
    health, q = params.get("health", ""), params.get("q", "").strip()

    qs = access.objectives_visible_to(request.user, objectives_queryset())
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    if team_id is not None:
        members = Membership.objects.filter(team_id=team_id).values("person_id")
        qs = qs.filter(Q(owner_team_id=team_id) | Q(owner_person_id__in=members))
    if owner_id is not None:
        qs = qs.filter(owner_person_id=owner_id)
    if status in Objective.Status.values:
        qs = qs.filter(status=status)
    if kind in Objective.Kind.values:
        qs = qs.filter(kind=kind)
    if q:
        qs = search(qs, q)
    qs = qs.order_by("-updated_at", "-pk")

    if health in HEALTH:
        # Health moves with every check-in and every day, so it is computed, not stored:
        # roll up everything that matched so far, then keep the asked-for health.
        matched = list(qs)
        rollup.annotate(matched)
        kept = [o for o in matched if o.health == health]
        page = Paginator(kept, PAGE_SIZE).get_page(params.get("page"))
    else:
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
                "team": team_id,
                "status": status,
                "kind": kind,
                "health": health,
                "q": q,
            },
            "owner": owner,
            "owner_name": display_name(owner) if owner else "",
            "statuses": Objective.Status.choices,
            "kinds": Objective.Kind.choices,
            "query": query.urlencode(),
        },
    )
