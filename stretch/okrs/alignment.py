"""The alignment tree of a cycle: mission, pillars, company, team and personal objectives.

The tree is read in a fixed number of queries whatever its size: the cycle's objectives
(and those of the cycles it contains), the enclosing objectives they align to, their key
results, and the roll-up of objectives that have only aligned children.
"""

from collections import defaultdict

from django.utils.translation import gettext as _

from stretch import access
from stretch.okrs import rollup
from stretch.okrs.models import Cycle, Objective
from stretch.org.models import Company, StrategyPillar, Team, display_name

LEVEL_ORDER = {"company": 0, "team": 1, "person": 2}


def _queryset():
    return Objective.objects.select_related("cycle", "owner_person__profile", "owner_team")


def _level(objective: Objective, root_team_ids: set[int]) -> str:
    if objective.owner_person_id is not None:
        return "person"
    return "company" if objective.owner_team_id in root_team_ids else "team"


def _owner(objective: Objective) -> dict:
    if objective.owner_person_id is not None:
        return {
            "type": "person",
            "id": objective.owner_person_id,
            "name": display_name(objective.owner_person),
        }
    return {"type": "team", "id": objective.owner_team_id, "name": objective.owner_team.name}


def build(user, cycle: Cycle) -> dict:
    cycle_ids = set(
        Cycle.objects.filter(start__gte=cycle.start, end__lte=cycle.end).values_list(
            "id", flat=True
        )
    ) | {cycle.pk}
    objectives = list(
        access.objectives_visible_to(user, _queryset()).filter(cycle_id__in=cycle_ids)
    )
    by_id = {o.pk: o for o in objectives}
    context_ids: set[int] = set()
    # Objectives of an enclosing cycle (the year above a quarter) frame the tree.
    missing = {o.parent_id for o in objectives if o.parent_id and o.parent_id not in by_id}
    while missing:
        found = list(access.objectives_visible_to(user, _queryset()).filter(pk__in=missing))
        for o in found:
            by_id[o.pk] = o
            context_ids.add(o.pk)
        missing = {o.parent_id for o in found if o.parent_id and o.parent_id not in by_id}
    everything = list(by_id.values())
    rollup.annotate(everything)

    root_team_ids = set(Team.objects.filter(parent=None).values_list("id", flat=True))
    children: dict[int | None, list[Objective]] = defaultdict(list)
    for o in everything:
        parent = o.parent_id if o.parent_id in by_id else None
        children[parent].append(o)

    def sort_key(o: Objective):
        return (LEVEL_ORDER[_level(o, root_team_ids)], o.pk)

    def node(o: Objective) -> dict:
        return {
            "id": o.pk,
            "title": o.title,
            "cycle": o.cycle_id,
            "owner": _owner(o),
            "level": _level(o, root_team_ids),
            "kind": o.kind,
            "status": o.status,
            "progress": o.progress,
            "health": o.health,
            "context": o.pk in context_ids,
            "children": [node(c) for c in sorted(children[o.pk], key=sort_key)],
        }

    roots = sorted(children[None], key=sort_key)
    by_pillar: dict[int | None, list[dict]] = defaultdict(list)
    for o in roots:
        by_pillar[o.pillar_id].append(node(o))
    pillars = [
        {"id": p.pk, "name": p.name, "objectives": by_pillar.pop(p.pk, [])}
        for p in StrategyPillar.objects.all()
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
    company = Company.load()
    return {
        "mission": company.mission,
        "vision": company.vision,
        "pillars": pillars,
        "progress": sum(top) / len(top) if top else 0.0,
        "objective_count": len(everything) - len(context_ids),
    }
