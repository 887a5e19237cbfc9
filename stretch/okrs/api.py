"""Cycles, objectives, key results, check-ins and alignment in the JSON API.

Endpoints parse the request, find objects through `stretch.access`, and hand every change
to `stretch.okrs.services`.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError

from stretch import access
from stretch.kpis import services as kpis
from stretch.okrs import alignment, grading, history, phases, rollup, services
from stretch.okrs import progress as math
from stretch.okrs.models import CheckIn, Cycle, KeyResult, Objective
from stretch.okrs.schemas import (
    AlignmentOut,
    CheckInIn,
    CheckInOut,
    CheckInPage,
    CycleIn,
    CycleOut,
    CyclePage,
    CyclePatch,
    GradeIn,
    HistoryOut,
    KeyResultIn,
    KeyResultOut,
    KeyResultPage,
    KeyResultPatch,
    ObjectiveIn,
    ObjectiveOut,
    ObjectivePage,
    ObjectivePatch,
    PhaseIn,
)
from stretch.org.models import StrategyPillar, display_name
from stretch.pagination import paginate

router = Router(tags=["okrs"])


# Shapes -------------------------------------------------------------------------------------


def cycle_out(cycle: Cycle) -> dict:
    return {
        "id": cycle.pk,
        "name": cycle.name,
        "start": cycle.start,
        "end": cycle.end,
        "status": cycle.status,
        "cadence": cycle.cadence,
        "closes_on": phases.closes_on(cycle),
        "auto_advance": cycle.auto_advance,
        "phase_by_date": phases.phase_by_date(cycle, rollup.today()),
        "expected_progress": rollup.expected_for(cycle),
    }


def key_result_out(kr: KeyResult) -> dict:
    return {
        "id": kr.pk,
        "objective": kr.objective_id,
        "title": kr.title,
        "owner": kr.owner_id,
        "kind": kr.kind,
        "direction": kr.direction,
        "start": kr.start,
        "target": kr.target,
        "current": kr.current,
        "range_low": kr.range_low,
        "range_high": kr.range_high,
        "unit": kr.unit,
        "weight": kr.weight,
        "confidence": kr.confidence,
        "progress": kr.progress,
        "attainment": kr.attainment,
        "expected_progress": kr.expected_progress,
        "status": kr.health,
        "stale": kr.stale,
        "checked_in_at": kr.checked_in_at,
        "steps": [
            {"id": s.pk, "title": s.title, "weight": s.weight, "done": s.done}
            for s in kr.steps.all()
        ],
        "score": kr.score,
        "score_reason": kr.score_reason,
        "suggested_score": grading.suggested_key_result_score(kr),
        "position": kr.position,
        "kpi": kr.kpi_id,
        "kpi_factor": kr.kpi_factor,
        "version": kr.version,
    }


def owner_out(objective: Objective) -> dict:
    if objective.owner_person_id is not None:
        person = objective.owner_person
        return {"type": "person", "id": person.pk, "name": display_name(person)}
    return {"type": "team", "id": objective.owner_team_id, "name": objective.owner_team.name}


def objective_out(objective: Objective, user) -> dict:
    return {
        "id": objective.pk,
        "title": objective.title,
        "description": objective.description,
        "strategy": objective.strategy,
        "cycle": objective.cycle_id,
        "owner_person": objective.owner_person_id,
        "owner_team": objective.owner_team_id,
        "owner": owner_out(objective),
        "parent": objective.shown_parent_id,
        "pillar": objective.pillar_id,
        "kind": objective.kind,
        "visibility": objective.visibility,
        "status": objective.status,
        "progress": objective.progress,
        "expected_progress": objective.expected_progress,
        "health": objective.health,
        "stop_reason": objective.stop_reason,
        "score": objective.score,
        "score_reason": objective.score_reason,
        "suggested_score": grading.suggested_objective_score(objective),
        "grade_colour": None if objective.score is None else math.grade_colour(objective.score),
        "grade_flags": grading.flags(objective),
        "reflection": objective.reflection,
        "origin": objective.origin_id,
        "version": objective.version,
        "can_edit": access.can_edit_objective(user, objective),
        "key_results": [key_result_out(kr) for kr in objective.key_result_list],
        "created_at": objective.created_at,
        "updated_at": objective.updated_at,
    }


def objectives_queryset():
    return Objective.objects.select_related("cycle", "owner_person__profile", "owner_team")


def prepare_objectives(objectives, user):
    """Roll up progress and hide the parents `user` may not see (a private parent is a 404)."""
    rollup.annotate(objectives)
    parent_ids = {o.parent_id for o in objectives if o.parent_id is not None}
    shown = set(access.visible_ids(user, parent_ids))
    for objective in objectives:
        objective.shown_parent_id = objective.parent_id if objective.parent_id in shown else None
    return objectives


def load_objective(objective_id: int, user) -> dict:
    objective = objectives_queryset().get(pk=objective_id)
    prepare_objectives([objective], user)
    return objective_out(objective, user)


def load_key_result(key_result_id: int) -> dict:
    kr = rollup.key_results_query().select_related("objective__cycle").get(pk=key_result_id)
    cycle = kr.objective.cycle
    rollup.annotate_key_result(kr, rollup.expected_for(cycle), cycle)
    return key_result_out(kr)


def serialize_conflict(current, user) -> dict:
    """The current state sent with a 409, so the client can merge and retry."""
    if isinstance(current, Objective):
        return load_objective(current.pk, user)
    if isinstance(current, KeyResult):
        return load_key_result(current.pk)
    return {}


def expected_version(request, body_version: int | None) -> int | None:
    """The version a client edited: the body's `version`, else an `If-Match` header."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not header or header == "*":
        return None
    try:
        return int(header)
    except ValueError:
        raise HttpError(400, _("If-Match: expected a version number.")) from None


def changes_of(payload, nullable: frozenset[str] = frozenset()) -> dict:
    """The fields a PATCH body sets; null is refused (400 naming the field) unless allowed."""
    changes = payload.dict(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in nullable and name != "version":
            raise ValidationError({name: _("This field may not be null.")})
    return changes


# Cycles -------------------------------------------------------------------------------------


@router.get("/cycles", response=CyclePage, summary="Cycles, newest first")
def list_cycles(
    request,
    status: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    qs = Cycle.objects.all()
    if status:
        qs = qs.filter(status=status)
    return paginate(qs, limit, offset, cycle_out)


@router.post("/cycles", response={201: CycleOut}, summary="Create a cycle (administrators)")
def create_cycle(request, payload: CycleIn):
    cycle = services.create_cycle(request.auth, **payload.dict())
    return Status(201, cycle_out(cycle))


@router.get("/cycles/{cycle_id}", response=CycleOut)
def get_cycle(request, cycle_id: int):
    return cycle_out(access.get_cycle(cycle_id))


@router.patch("/cycles/{cycle_id}", response=CycleOut, summary="Change a cycle (administrators)")
def update_cycle(request, cycle_id: int, payload: CyclePatch):
    cycle = access.get_cycle(cycle_id)
    return cycle_out(services.update_cycle(request.auth, cycle, changes_of(payload)))


@router.post(
    "/cycles/{cycle_id}/phase",
    response=CycleOut,
    summary="Move a cycle to another phase: planning, active, grading, closed (administrators)",
)
def set_phase(request, cycle_id: int, payload: PhaseIn):
    cycle = access.get_cycle(cycle_id)
    return cycle_out(phases.set_phase(request.auth, cycle, payload.phase))


@router.get(
    "/cycles/{cycle_id}/alignment",
    response=AlignmentOut,
    summary="The alignment tree: mission, pillars, company, team and personal objectives",
)
def cycle_alignment(request, cycle_id: int):
    cycle = access.get_cycle(cycle_id)
    tree = alignment.build(request.auth, cycle)
    return {**tree, "cycle": cycle_out(cycle)}


# Objectives ---------------------------------------------------------------------------------


def _resolve_objective_refs(user, data: dict) -> dict:
    """Turn the ids in an objective body into objects, or a 400 naming the field."""
    resolved = dict(data)
    if resolved.get("cycle") is not None:
        resolved["cycle"] = access.get_cycle(resolved["cycle"], field="cycle")
    if "owner_person" in resolved and resolved["owner_person"] is not None:
        resolved["owner_person"] = access.get_person(resolved["owner_person"], field="owner_person")
    if "owner_team" in resolved and resolved["owner_team"] is not None:
        resolved["owner_team"] = access.get_team(resolved["owner_team"], field="owner_team")
    if resolved.get("parent") is not None:
        resolved["parent"] = access.get_objective_for_user(user, resolved["parent"], field="parent")
    if resolved.get("pillar") is not None:
        pillar = StrategyPillar.objects.filter(pk=resolved["pillar"]).first()
        if pillar is None:
            raise ValidationError(
                {"pillar": _("No pillar with id %(id)s.") % {"id": resolved["pillar"]}}
            )
        resolved["pillar"] = pillar
    return resolved


@router.get("/objectives", response=ObjectivePage, summary="Objectives you may see")
def list_objectives(
    request,
    cycle: int | None = None,
    owner: int | None = Query(None, description="a person id"),
    team: int | None = Query(None, description="a team id"),
    status: str | None = None,
    parent: int | None = None,
    q: str | None = Query(None, description="words in the title"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    qs = access.objectives_visible_to(request.auth, objectives_queryset())
    if cycle is not None:
        qs = qs.filter(cycle_id=cycle)
    if owner is not None:
        qs = qs.filter(owner_person_id=owner)
    if team is not None:
        qs = qs.filter(owner_team_id=team)
    if status:
        qs = qs.filter(status=status)
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    if q:
        qs = qs.filter(title__icontains=q)
    return paginate(
        qs.order_by("id"),
        limit,
        offset,
        render=lambda o: objective_out(o, request.auth),
        prepare=lambda objectives: prepare_objectives(objectives, request.auth),
    )


@router.post("/objectives", response={201: ObjectiveOut})
def create_objective(request, payload: ObjectiveIn):
    data = payload.dict()
    if "status" not in payload.model_fields_set:
        del data["status"]  # the company's default: active, or a draft when agreement is on
    if data["owner_person"] is None and data["owner_team"] is None:
        data["owner_person"] = request.auth.pk
    fields = _resolve_objective_refs(request.auth, data)
    objective = services.create_objective(request.auth, **fields)
    return Status(201, load_objective(objective.pk, request.auth))


@router.get("/objectives/{objective_id}", response=ObjectiveOut)
def get_objective(request, objective_id: int):
    access.get_objective_for_user(request.auth, objective_id)
    return load_objective(objective_id, request.auth)


@router.patch("/objectives/{objective_id}", response=ObjectiveOut)
def update_objective(request, objective_id: int, payload: ObjectivePatch):
    objective = access.get_objective_for_user(request.auth, objective_id, write=True)
    changes = changes_of(
        payload, frozenset({"parent", "pillar", "owner_person", "owner_team", "reason"})
    )
    version = expected_version(request, changes.pop("version", None))
    reason = changes.pop("reason", None) or ""
    fields = _resolve_objective_refs(request.auth, changes)
    with transaction.atomic():  # a grade and other changes: both or neither
        if "score" in fields:
            grading.grade_objective(
                request.auth,
                objective,
                fields.pop("score"),
                reason=reason,
                reflection=fields.pop("reflection", None),
                expected_version=version,
            )
            version = None  # the grade moved the version on
        if fields:
            services.update_objective(
                request.auth, objective, fields, expected_version=version, reason=reason
            )
    return load_objective(objective_id, request.auth)


@router.post(
    "/objectives/{objective_id}/grade",
    response=ObjectiveOut,
    summary="Grade an objective (grading phase): default the weighted mean of its key results",
)
def grade_objective(request, objective_id: int, payload: GradeIn):
    objective = access.get_objective_for_user(request.auth, objective_id, write=True)
    grading.grade_objective(
        request.auth,
        objective,
        payload.score,
        reason=payload.reason,
        reflection=payload.reflection,
    )
    return load_objective(objective_id, request.auth)


@router.get(
    "/objectives/{objective_id}/history",
    response=HistoryOut,
    summary="Every change to the objective and its key results: who, when, before -> after, why",
)
def objective_history(request, objective_id: int, limit: int = Query(100, ge=1, le=500)):
    objective = access.get_objective_for_user(request.auth, objective_id)
    changes = history.of_objective(objective, viewer=request.auth, limit=limit)
    return {"items": [history.as_dict(change) for change in changes]}


@router.delete("/objectives/{objective_id}", response={204: None})
def delete_objective(request, objective_id: int):
    objective = access.get_objective_for_user(request.auth, objective_id, write=True)
    services.delete_objective(request.auth, objective)
    return Status(204, None)


# Key results --------------------------------------------------------------------------------


@router.get("/objectives/{objective_id}/key-results", response=KeyResultPage)
def list_key_results(
    request,
    objective_id: int,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    objective = access.get_objective_for_user(request.auth, objective_id)
    expected = rollup.expected_for(objective.cycle)
    qs = rollup.key_results_query().filter(objective=objective).prefetch_related("steps")
    return paginate(
        qs,
        limit,
        offset,
        render=lambda kr: key_result_out(rollup.annotate_key_result(kr, expected, objective.cycle)),
    )


def _resolve_owner(data: dict, user) -> dict:
    """The owner and KPI ids of a key result body as objects, or a 400 naming the field."""
    if data.get("owner") is not None:
        data["owner"] = access.get_person(data["owner"], field="owner")
    if data.get("kpi") is not None:
        data["kpi"] = kpis.get_kpi(user, data["kpi"], field="kpi")
    return data


@router.post("/objectives/{objective_id}/key-results", response={201: KeyResultOut})
def create_key_result(request, objective_id: int, payload: KeyResultIn):
    objective = access.get_objective_for_user(request.auth, objective_id, write=True)
    data = _resolve_owner(payload.dict(), request.auth)
    steps = data.pop("steps")
    for unset in ("kpi", "kpi_factor"):  # not stated: follow no KPI, no conversion
        if data[unset] is None:
            data.pop(unset)
    metric = data["kind"] == KeyResult.Kind.METRIC and data["direction"] != "range"
    if metric and data["target"] is None:
        raise ValidationError({"target": _("A metric key result needs a target.")})
    if data["target"] is None:
        data.pop("target")
    kr = services.create_key_result(request.auth, objective, steps=steps, **data)
    return Status(201, load_key_result(kr.pk))


@router.get("/key-results/{key_result_id}", response=KeyResultOut)
def get_key_result(request, key_result_id: int):
    access.get_key_result_for_user(request.auth, key_result_id)
    return load_key_result(key_result_id)


@router.patch("/key-results/{key_result_id}", response=KeyResultOut)
def update_key_result(request, key_result_id: int, payload: KeyResultPatch):
    kr = access.get_key_result_for_user(request.auth, key_result_id, write=True)
    changes = _resolve_owner(
        changes_of(payload, frozenset({"owner", "range_low", "range_high", "reason", "kpi"})),
        request.auth,
    )
    version = expected_version(request, changes.pop("version", None))
    reason = changes.pop("reason", None) or ""
    services.update_key_result(request.auth, kr, changes, expected_version=version, reason=reason)
    return load_key_result(key_result_id)


@router.post(
    "/key-results/{key_result_id}/grade",
    response=KeyResultOut,
    summary="Grade a key result (grading phase): 0.0-1.0, a reason when not the suggestion",
)
def grade_key_result(request, key_result_id: int, payload: GradeIn):
    kr = access.get_key_result_for_user(request.auth, key_result_id, check_in=True)
    grading.grade_key_result(request.auth, kr, payload.score, reason=payload.reason)
    return load_key_result(key_result_id)


@router.delete("/key-results/{key_result_id}", response={204: None})
def delete_key_result(request, key_result_id: int):
    kr = access.get_key_result_for_user(request.auth, key_result_id, write=True)
    services.delete_key_result(request.auth, kr)
    return Status(204, None)


# Check-ins ----------------------------------------------------------------------------------


@router.get("/key-results/{key_result_id}/check-ins", response=CheckInPage, summary="Newest first")
def list_check_ins(
    request,
    key_result_id: int,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    kr = access.get_key_result_for_user(request.auth, key_result_id)
    return paginate(CheckIn.objects.filter(key_result=kr), limit, offset, check_in_out)


def check_in_out(entry: CheckIn) -> dict:
    return {
        "id": entry.pk,
        "key_result": entry.key_result_id,
        "author": entry.author_id,
        "value": entry.value,
        "confidence": entry.confidence,
        "note": entry.note,
        "done_steps": entry.done_steps,
        "created_at": entry.created_at,
    }


@router.post("/key-results/{key_result_id}/check-ins", response={201: CheckInOut})
def create_check_in(request, key_result_id: int, payload: CheckInIn):
    kr = access.get_key_result_for_user(request.auth, key_result_id, check_in=True)
    entry = services.check_in(request.auth, kr, **payload.dict())
    return Status(201, check_in_out(entry))
