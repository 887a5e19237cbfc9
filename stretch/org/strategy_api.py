"""/api/v1/pillars and /api/v1/strategy-map: the company's strategy and how the OKRs serve it."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from stretch import access
from stretch.okrs.alignment_tree import Node
from stretch.okrs.api import cycle_out, owner_out
from stretch.okrs.schemas import CycleOut, OwnerOut
from stretch.okrs.views import pick_cycle
from stretch.org import strategy
from stretch.org.models import StrategyPillar
from stretch.params import as_int

router = Router(tags=["strategy"])


class PillarOut(Schema):
    id: int
    name: str
    description: str
    position: int = Field(..., description="its place in the order, from 0")
    objectives: int = Field(..., description="how many objectives name it, in every cycle")


class PillarIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., description="at most 200 characters, unique")
    description: str = ""
    position: int | None = Field(None, description="its place, from 0 (default: last)")


class PillarPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = None
    position: int | None = Field(None, description="move it to this place, from 0")


def pillar_out(pillar: StrategyPillar, uses: dict[int, int]) -> dict[str, Any]:
    return {
        "id": pillar.pk,
        "name": pillar.name,
        "description": pillar.description,
        "position": pillar.position,
        "objectives": uses.get(pillar.pk, 0),
    }


@router.get("/pillars", response=list[PillarOut], summary="The strategy pillars, in order")
def list_pillars(request):
    uses = strategy.pillar_uses()
    return [pillar_out(pillar, uses) for pillar in StrategyPillar.objects.all()]


@router.post("/pillars", response={201: PillarOut}, summary="Add a pillar (administrators)")
def create_pillar(request, payload: PillarIn):
    pillar = strategy.create_pillar(request.auth, **payload.dict())
    return Status(201, pillar_out(pillar, {}))


@router.get("/pillars/{pillar_id}", response=PillarOut, summary="One strategy pillar")
def get_pillar(request, pillar_id: int):
    return pillar_out(strategy.get_pillar(pillar_id), strategy.pillar_uses())


@router.patch(
    "/pillars/{pillar_id}",
    response=PillarOut,
    summary="Rename, describe or move a pillar (administrators)",
    description="Only the fields given change; the other pillars are renumbered around a "
    "moved one. Bad input is a 400 naming the field.",
)
def update_pillar(request, pillar_id: int, payload: PillarPatch):
    pillar = strategy.get_pillar(pillar_id)
    changes = payload.dict(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise ValidationError({name: _("This field may not be null.")})
    pillar = strategy.update_pillar(request.auth, pillar, **changes)
    return pillar_out(pillar, strategy.pillar_uses())


@router.delete(
    "/pillars/{pillar_id}",
    response={204: None},
    summary="Delete a pillar no objective names (administrators)",
    description="A pillar that objectives name is refused (400, field `pillar`): give them "
    "another pillar first, or rename it.",
)
def delete_pillar(request, pillar_id: int):
    strategy.delete_pillar(request.auth, strategy.get_pillar(pillar_id))
    return Status(204, None)


# The strategy map --------------------------------------------------------------------------


class MapKeyResult(Schema):
    id: int
    title: str
    kind: str
    unit: str
    start: float
    target: float
    current: float | None
    progress: float
    health: str


class AlignedOut(Schema):
    id: int
    title: str
    level: str = Field(..., description="team or person")
    owner: OwnerOut
    status: str
    progress: float
    expected_progress: float
    health: str
    aligned_count: int = Field(..., description="objectives aligned below it you may see")


class MapObjectiveOut(Schema):
    id: int
    title: str
    cycle: int
    owner: OwnerOut
    kind: str
    status: str
    visibility: str
    parent: int | None = Field(..., description="the company objective on the map it serves")
    progress: float = Field(..., description="rolled up from its key results or children")
    expected_progress: float
    health: str
    key_results: list[MapKeyResult]
    aligned: list[AlignedOut] = Field(..., description=f"the first {strategy.ALIGNED_LIMIT}")
    aligned_count: int = Field(..., description="team and personal objectives aligned to it")


class MapPillarOut(Schema):
    id: int | None
    name: str
    description: str
    progress: float
    expected_progress: float
    health: str
    unserved: bool = Field(..., description="no company objective serves it in the cycle")
    objectives: list[MapObjectiveOut]
    named_by: list[AlignedOut] = Field(
        ...,
        description="of an unserved pillar: the first team and personal objectives naming it",
    )
    named_count: int = Field(..., description="how many team and personal objectives name it")


class StrategyMapOut(Schema):
    cycle: CycleOut | None
    name: str
    mission: str
    vision: str
    progress: float
    expected_progress: float
    pillars: list[MapPillarOut]
    without_pillar: list[MapObjectiveOut] = Field(..., description="company objectives naming none")
    unserved_pillars: list[int] = Field(..., description="ids of pillars no objective serves")


def _node_out(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "title": node.title,
        "level": node.level,
        "owner": node.owner,
        "status": node.objective.status,
        "progress": node.progress,
        "expected_progress": node.expected,
        "health": node.health,
        "aligned_count": node.child_count,
    }


def _objective_out(entry: strategy.MapObjective) -> dict[str, Any]:
    o = entry.objective
    return {
        "id": o.pk,
        "title": o.title,
        "cycle": o.cycle_id,
        "owner": owner_out(o),
        "kind": o.kind,
        "status": o.status,
        "visibility": o.visibility,
        "parent": entry.serves.pk if entry.serves else None,
        "progress": o.progress,
        "expected_progress": o.expected_progress,
        "health": o.health,
        "key_results": [
            {
                "id": kr.pk,
                "title": kr.title,
                "kind": kr.kind,
                "unit": kr.unit,
                "start": kr.start,
                "target": kr.target,
                "current": kr.current,
                "progress": kr.progress,
                "health": kr.health,
            }
            for kr in o.key_result_list
        ],
        "aligned": [_node_out(node) for node in entry.aligned],
        "aligned_count": entry.aligned_count,
    }


def _pillar_row_out(row: strategy.PillarRow) -> dict[str, Any]:
    pillar = row.pillar
    return {
        "id": pillar.pk if pillar else None,
        "name": pillar.name if pillar else "",
        "description": pillar.description if pillar else "",
        "progress": row.progress,
        "expected_progress": row.expected,
        "health": row.health,
        "unserved": row.unserved,
        "objectives": [_objective_out(entry) for entry in row.objectives],
        "named_by": [_node_out(node) for node in row.named_below],
        "named_count": row.named_count,
    }


@router.get(
    "/strategy-map",
    response=StrategyMapOut,
    summary="Pillars, the company objectives serving them and what is aligned to those",
    description="For `cycle` (default: the active cycle): each pillar with the company "
    "objectives naming it, their key results and the first team and personal objectives "
    "aligned to each (with counts), the company objectives naming no pillar, and the pillars "
    "no objective serves. Only what you may see is listed or counted. An unknown `cycle` is "
    "a 400 naming it.",
)
def strategy_map(request, cycle: str | None = Query(None, description="a cycle id")):
    if cycle is None:
        chosen = pick_cycle(request)
    elif (pk := as_int(cycle)) is None:
        raise ValidationError({"cycle": _("No cycle with id %(id)s.") % {"id": cycle}})
    else:
        chosen = access.get_cycle(pk, field="cycle")
    found = strategy.build_map(request.auth, chosen)
    return {
        "cycle": cycle_out(chosen) if chosen else None,
        "name": found.company.name,
        "mission": found.company.mission,
        "vision": found.company.vision,
        "progress": found.overall.progress,
        "expected_progress": found.overall.expected,
        "pillars": [_pillar_row_out(row) for row in found.pillars],
        "without_pillar": [_objective_out(entry) for entry in found.unpillared.objectives],
        "unserved_pillars": [row.pillar.pk for row in found.unserved if row.pillar],
    }
