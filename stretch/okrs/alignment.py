"""The alignment tree of a cycle: mission, pillars, company, team and personal objectives.

`build` returns the whole tree at once for the JSON API, in a fixed number of queries
whatever its size (plus one per level of enclosing objectives and of roll-up, which follow
the depth of the tree, not its breadth). The company page reads it level by level instead
(`alignment_tree`) and draws one branch (`alignment_map`), with the helpers below.

"In the cycle" means in the cycle or in a cycle it contains (the quarters of a year).
An objective aligned to one of an enclosing cycle (a quarter's objective below a year's)
is shown below that objective, which frames it as "context".
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from stretch import access, caching
from stretch.okrs import rollup
from stretch.okrs.models import Cycle, Objective
from stretch.org.models import Company, StrategyPillar, Team, display_name

LEVEL_ORDER = {"company": 0, "team": 1, "person": 2}


def queryset() -> QuerySet[Objective]:
    return Objective.objects.select_related("cycle", "owner_person__profile", "owner_team")


def level(objective: Objective, root_team_ids: set[int] | None = None) -> str:
    if objective.owner_person_id is not None:
        return "person"
    if root_team_ids is None:
        team = objective.owner_team
        return "company" if team is not None and team.parent_id is None else "team"
    return "company" if objective.owner_team_id in root_team_ids else "team"


def owner(objective: Objective) -> dict:
    if objective.owner_person_id is not None:
        return {
            "type": "person",
            "id": objective.owner_person_id,
            "name": display_name(objective.owner_person),
        }
    team = objective.owner_team
    return {"type": "team", "id": objective.owner_team_id, "name": team.name if team else ""}


def cycle_ids(cycle: Cycle) -> set[int]:
    """The cycle and the cycles it contains."""
    contained = Cycle.objects.filter(start__gte=cycle.start, end__lte=cycle.end)
    return set(contained.values_list("id", flat=True)) | {cycle.pk}


def rank() -> Case:
    """Company objectives first, then team, then personal ones (as `LEVEL_ORDER`)."""
    return Case(
        When(owner_person__isnull=False, then=Value(2)),
        When(owner_team__parent__isnull=True, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def sort_key(objective: Objective) -> tuple[int, int]:
    return (LEVEL_ORDER[level(objective)], objective.pk)


def in_cycle(user, ids: set[int]) -> QuerySet[Objective]:
    return access.objectives_visible_to(user, queryset()).filter(cycle_id__in=ids)


def child_counts(user, ids: set[int], parent_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        in_cycle(user, ids)
        .filter(parent_id__in=list(parent_ids))
        .order_by()
        .values("parent_id")
        .annotate(n=Count("id"))
    )
    return {row["parent_id"]: row["n"] for row in rows}


@dataclass(slots=True)
class Row:
    """One objective of a cycle's tree as everyone sees it: who may see it is decided after."""

    pk: int
    title: str
    cycle_id: int
    parent_id: int | None
    pillar_id: int | None
    visibility: str
    owner_person_id: int | None
    owner_team_id: int | None
    owner: dict
    level: str
    kind: str
    status: str
    progress: float
    expected_progress: float
    health: str


@dataclass(slots=True)
class Snapshot:
    """Every objective of a cycle (and the cycles it contains) and every objective above
    them, with progress, whatever their visibility: the same for every viewer, so cached
    once (`stretch.caching`) and filtered for each viewer by `build`."""

    rows: dict[int, Row]
    cycle_ids: set[int]
    pillars: list[tuple[int, str]]
    mission: str
    vision: str


def snapshot(cycle: Cycle) -> Snapshot:
    ids = cycle_ids(cycle)
    objectives = list(queryset().filter(cycle_id__in=ids))
    by_id = {o.pk: o for o in objectives}
    missing = {o.parent_id for o in objectives if o.parent_id and o.parent_id not in by_id}
    while missing:
        found = list(queryset().filter(pk__in=missing))
        by_id.update((o.pk, o) for o in found)
        missing = {o.parent_id for o in found if o.parent_id and o.parent_id not in by_id}
    everything = list(by_id.values())
    rollup.annotate(everything)
    root_team_ids = set(Team.objects.filter(parent=None).values_list("id", flat=True))
    rows = {
        o.pk: Row(
            pk=o.pk,
            title=o.title,
            cycle_id=o.cycle_id,
            parent_id=o.parent_id,
            pillar_id=o.pillar_id,
            visibility=o.visibility,
            owner_person_id=o.owner_person_id,
            owner_team_id=o.owner_team_id,
            owner=owner(o),
            level=level(o, root_team_ids),
            kind=o.kind,
            status=o.status,
            progress=o.progress,
            expected_progress=o.expected_progress,
            health=o.health,
        )
        for o in everything
    }
    company = Company.load()
    return Snapshot(
        rows=rows,
        cycle_ids=ids,
        pillars=list(StrategyPillar.objects.values_list("pk", "name")),
        mission=company.mission,
        vision=company.vision,
    )


def cached_snapshot(cycle: Cycle) -> Snapshot:
    return caching.cached(("alignment-snapshot", cycle.pk), lambda: snapshot(cycle))


def build(user, cycle: Cycle) -> dict:
    """The whole tree of `cycle` as the viewer may see it, for the JSON API."""
    snap = cached_snapshot(cycle)
    admin = access.is_admin(user)
    seen = {
        pk: row
        for pk, row in snap.rows.items()
        if admin or access.can_view_objective(user, row)  # type: ignore[arg-type]
    }
    ids = snap.cycle_ids
    by_id = {pk: row for pk, row in seen.items() if row.cycle_id in ids}
    context_ids: set[int] = set()
    # Objectives of an enclosing cycle (the year above a quarter) frame the tree.
    missing = {o.parent_id for o in by_id.values() if o.parent_id and o.parent_id not in by_id}
    while missing:
        found = [seen[pk] for pk in missing if pk in seen]
        for o in found:
            by_id[o.pk] = o
            context_ids.add(o.pk)
        missing = {o.parent_id for o in found if o.parent_id and o.parent_id not in by_id}
    everything = list(by_id.values())

    children: dict[int | None, list[Row]] = defaultdict(list)
    for o in everything:
        parent = o.parent_id if o.parent_id in by_id else None
        children[parent].append(o)

    def by_level(o: Row):
        return (LEVEL_ORDER[o.level], o.pk)

    def node(o: Row) -> dict:
        below = [node(c) for c in sorted(children[o.pk], key=by_level)]
        return {
            "id": o.pk,
            "title": o.title,
            "cycle": o.cycle_id,
            "owner": dict(o.owner),
            "level": o.level,
            "kind": o.kind,
            "status": o.status,
            "progress": o.progress,
            "expected": o.expected_progress,
            "health": o.health,
            "context": o.pk in context_ids,
            "children": below,
            # The keys of a `Node`, so the company page's templates draw this tree too.
            "child_count": len(below),
            "total": len(below),
        }

    roots = sorted(children[None], key=by_level)
    by_pillar: dict[int | None, list[dict]] = defaultdict(list)
    for o in roots:
        by_pillar[o.pillar_id].append(node(o))
    pillars = [
        {"id": pk, "name": name, "objectives": by_pillar.pop(pk, [])} for pk, name in snap.pillars
    ]
    unpillared = [n for nodes in by_pillar.values() for n in nodes]
    if unpillared:
        pillars.append({"id": None, "name": _("No strategy pillar"), "objectives": unpillared})

    top = [
        o.progress
        for o in everything
        if o.cycle_id == cycle.pk
        and (o.parent_id not in by_id or by_id[o.parent_id].cycle_id != cycle.pk)
    ]
    return {
        "mission": snap.mission,
        "vision": snap.vision,
        "pillars": pillars,
        "progress": sum(top) / len(top) if top else 0.0,
        "objective_count": len(everything) - len(context_ids),
    }


def company_objectives(user, cycle: Cycle) -> list[Objective]:
    """The company's objectives (owned by the root team) for the cycle and the cycles that
    enclose it, with their progress: a quarter still serves its year's objectives."""
    enclosing = Cycle.objects.filter(start__lte=cycle.start, end__gte=cycle.end)
    objectives = list(
        access.objectives_visible_to(user, queryset().select_related("pillar"))
        .filter(cycle__in=enclosing, owner_team__isnull=False, owner_team__parent__isnull=True)
        .order_by("cycle__start", "pillar__position", "pk")
    )
    rollup.annotate(objectives)
    return objectives
