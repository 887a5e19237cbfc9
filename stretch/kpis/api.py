"""/api/v1/kpis and /api/v1/kpis/{id}/measurements: KPIs, their bands and measurements, the
board, CSV imports and recovery objectives.

Endpoints parse and find; `stretch.kpis.services` decides and changes. Every signed-in
person reads every KPI; its owner, the leads of its team or a team above, and administrators
change and measure it (403 for anyone else).
"""

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status, UploadedFile

from stretch import access
from stretch.errors import Conflict
from stretch.kpis import csv_import, services
from stretch.kpis.models import Kpi, Measurement
from stretch.kpis.schemas import (
    BoardOut,
    DraftOut,
    ImportOut,
    KpiConflict,
    KpiIn,
    KpiOut,
    KpiPage,
    KpiPatch,
    MeasurementIn,
    MeasurementOut,
    MeasurementPage,
    RecoveryCreated,
    RecoveryIn,
)
from stretch.okrs import rollup
from stretch.okrs.api import changes_of, expected_version
from stretch.org.models import Team, display_name
from stretch.pagination import paginate

router = Router(tags=["kpis"])

LIMIT_FIELDS = frozenset(services.LIMITS)
OPTIONAL_FILE = File(None, description="the CSV file (or send it as a text/csv body)")


# Rendering ---------------------------------------------------------------------------------


def team_out(team) -> dict[str, Any]:
    return {"id": team.pk, "name": team.name}


def person_out(person) -> dict[str, Any] | None:
    return {"id": person.pk, "name": display_name(person)} if person is not None else None


def limits_out(kpi: Kpi) -> dict[str, Any]:
    return {name: getattr(kpi, name) for name in services.LIMITS}


def prepare(items: list[Kpi], user) -> None:
    """Once per page: the progress of the recovery objectives `user` may see."""
    recoveries = [k.recovery for k in items if k.recovery_id is not None]
    shown = access.visible_ids(user, {o.pk for o in recoveries if o is not None})
    visible = [o for o in recoveries if o is not None and o.pk in shown]
    rollup.annotate(list({o.pk: o for o in visible}.values()))
    for kpi in items:
        kpi.shown_recovery = kpi.recovery if kpi.recovery_id in shown else None  # type: ignore[attr-defined]


def kpi_out(kpi: Kpi, user) -> dict[str, Any]:
    recovery = getattr(kpi, "shown_recovery", None)
    return {
        "id": kpi.pk,
        "team": team_out(kpi.team),
        "owner": person_out(kpi.owner),
        "name": kpi.name,
        "description": kpi.description,
        "unit": kpi.unit,
        "cadence": kpi.cadence,
        "band": kpi.band,
        **limits_out(kpi),
        "latest_value": kpi.latest_value,
        "latest_date": kpi.latest_date,
        "health": kpi.health,
        "red_streak": kpi.red_streak,
        "recovery": (
            {"id": recovery.pk, "title": recovery.title, "progress": recovery.progress}
            if recovery is not None
            else None
        ),
        "key_results": [{"id": kr.pk, "title": kr.title} for kr in getattr(kpi, "following", [])],
        "version": kpi.version,
        "archived": kpi.archived,
        "can_manage": services.may_manage(user, kpi),
    }


def load(user, pk: int) -> dict[str, Any]:
    kpi = services.with_followers(user, services.visible_kpis(user, archived=None)).get(pk=pk)
    prepare([kpi], user)
    return kpi_out(kpi, user)


def measurement_out(item: Measurement) -> dict[str, Any]:
    return {
        "id": item.pk,
        "value": item.value,
        "date": item.date,
        "health": item.health,
        "note": item.note,
        "author": person_out(item.author),
        "created_at": item.created_at,
    }


def _resolve(data: dict[str, Any]) -> dict[str, Any]:
    """The ids of a KPI body as objects, or a 400 naming the field."""
    if data.get("team") is not None:
        data["team"] = access.get_team(data["team"], field="team")
    if data.get("owner") is not None:
        data["owner"] = access.get_person(data["owner"], field="owner")
    return data


# KPIs --------------------------------------------------------------------------------------


@router.get(
    "/kpis",
    response=KpiPage,
    summary="KPIs, by team and name",
    description="Every KPI in the company (they are public inside it). `team` takes the "
    "team's KPIs and those of the teams below it; an unknown id is a 400 naming the filter.",
)
def list_kpis(
    request,
    team: int | None = Query(None, description="a team id: its KPIs and those below it"),
    owner: int | None = Query(None, description="a person id"),
    health: Literal["green", "yellow", "red", "unmeasured"] | None = None,
    archived: bool = Query(False, description="true: the archived KPIs instead"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
):
    user = request.auth
    queryset = services.visible_kpis(user, archived=archived)
    if team is not None:
        root = access.get_team(team, field="team")
        below = access.descendants({root.pk}, Team.objects.all())
        queryset = queryset.filter(team_id__in={root.pk} | below)
    if owner is not None:
        queryset = queryset.filter(owner=access.get_person(owner, field="owner"))
    if health is not None:
        queryset = queryset.filter(health="" if health == "unmeasured" else health)
    return paginate(
        services.with_followers(user, queryset),
        limit,
        offset,
        render=lambda kpi: kpi_out(kpi, user),
        prepare=lambda items: prepare(items, user),
    )


@router.post("/kpis", response={201: KpiOut}, summary="Create a KPI (leads of its team or above)")
def create_kpi(request, payload: KpiIn):
    kpi = services.create_kpi(request.auth, **_resolve(payload.dict()))
    return Status(201, load(request.auth, kpi.pk))


@router.get(
    "/kpis/board",
    response=BoardOut,
    summary="The KPI board: every KPI not archived with its trend",
    description="Of a team and the teams below it, or of the whole company.",
)
def kpi_board(request, team: int | None = Query(None, description="a team id")):
    root = access.get_team(team, field="team") if team is not None else None
    items = services.board(request.auth, team=root)
    return {
        "items": [
            {
                "id": kpi.pk,
                "name": kpi.name,
                "team": team_out(kpi.team),
                "unit": kpi.unit,
                "band": kpi.band,
                **limits_out(kpi),
                "health": kpi.health,
                "latest_value": kpi.latest_value,
                "latest_date": kpi.latest_date,
                "red_streak": kpi.red_streak,
                "trend": getattr(kpi, "trend", []),
                "trend_direction": getattr(kpi, "trend_direction", "flat"),
            }
            for kpi in items
        ]
    }


@router.get("/kpis/{kpi_id}", response=KpiOut)
def get_kpi(request, kpi_id: int):
    services.get_kpi(request.auth, kpi_id)
    return load(request.auth, kpi_id)


@router.patch(
    "/kpis/{kpi_id}",
    response={200: KpiOut, 409: KpiConflict},
    summary="Change a KPI: send `version` (or If-Match); 409 with the KPI now if stale",
)
def update_kpi(request, kpi_id: int, payload: KpiPatch):
    kpi = services.get_kpi(request.auth, kpi_id)
    changes = changes_of(payload, LIMIT_FIELDS | {"owner"})
    version = expected_version(request, changes.pop("version", None))
    try:
        services.update_kpi(request.auth, kpi, version=version, **_resolve(changes))
    except Conflict as conflict:
        return Status(409, {"detail": conflict.message, "current": load(request.auth, kpi_id)})
    return load(request.auth, kpi_id)


@router.delete(
    "/kpis/{kpi_id}",
    response={204: None},
    summary="Archive a KPI (its history stays; PATCH archived=false restores it)",
)
def archive_kpi(request, kpi_id: int):
    services.archive_kpi(request.auth, services.get_kpi(request.auth, kpi_id))
    return Status(204, None)


# Measurements ------------------------------------------------------------------------------


@router.get(
    "/kpis/{kpi_id}/measurements",
    response=MeasurementPage,
    summary="A KPI's measurements, newest first",
)
def list_measurements(
    request,
    kpi_id: int,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    kpi = services.get_kpi(request.auth, kpi_id)
    queryset = kpi.measurements.select_related("author__profile").order_by("-date", "-id")
    return paginate(queryset, limit, offset, measurement_out)


@router.post(
    "/kpis/{kpi_id}/measurements",
    response={201: MeasurementOut},
    summary="Measure a KPI: the key results following it are checked in on",
)
def add_measurement(request, kpi_id: int, payload: MeasurementIn):
    kpi = services.get_kpi(request.auth, kpi_id)
    item = services.add_measurement(request.auth, kpi, **payload.dict())
    return Status(201, measurement_out(item))


@router.post(
    "/kpis/{kpi_id}/measurements/import",
    response={201: ImportOut},
    summary="Import measurements from CSV: all of them, or none and a 400 listing each bad line",
    description="A multipart upload (field `file`) or a `text/csv` body: a header naming "
    "`date` and `value` (and `note`), then one measurement a line, UTF-8, at most 2 MB and "
    "10,000 rows. Every problem is listed in `errors.file` as “line N: …”.",
)
def import_measurements(request, kpi_id: int, file: UploadedFile | None = OPTIONAL_FILE):
    kpi = services.get_kpi(request.auth, kpi_id)
    too_large = _("The file is larger than 2 MB; split it.")
    if file is not None:
        if file.size is not None and file.size > csv_import.MAX_BYTES:
            raise ValidationError({"file": [too_large]})
        data = file.read()
    else:
        length = request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > csv_import.MAX_BYTES:
            raise ValidationError({"file": [too_large]})
        data = request.body
    items = services.import_measurements(request.auth, kpi, data)
    return Status(201, {"count": len(items), "items": [measurement_out(m) for m in items]})


@router.delete("/kpis/{kpi_id}/measurements/{measurement_id}", response={204: None})
def delete_measurement(request, kpi_id: int, measurement_id: int):
    kpi = services.get_kpi(request.auth, kpi_id)
    item = kpi.measurements.filter(pk=measurement_id).first()
    if item is None:
        raise Http404(_("No measurement with id %(id)s.") % {"id": measurement_id})
    services.delete_measurement(request.auth, item)
    return Status(204, None)


# Recovery ----------------------------------------------------------------------------------


def _recovery_ref(user, kpi: Kpi) -> dict[str, Any] | None:
    running = services.open_recovery(kpi)
    if running is None or not access.can_view_objective(user, running):
        return None
    rollup.annotate([running])
    return {"id": running.pk, "title": running.title, "progress": running.progress}


@router.get(
    "/kpis/{kpi_id}/recovery",
    response=DraftOut,
    summary="A draft objective to bring the KPI back into its band",
)
def recovery_draft(request, kpi_id: int):
    kpi = services.get_kpi(request.auth, kpi_id)
    draft = services.recovery_draft(kpi)
    result = draft["key_result"]
    cycle = draft["cycle"]
    return {
        "title": draft["title"],
        "cycle": {"id": cycle.pk, "name": cycle.name} if cycle is not None else None,
        "owner_person": person_out(draft["owner_person"]),
        "owner_team": team_out(draft["owner_team"]) if draft["owner_team"] else None,
        "key_result": {**result, "kpi": kpi.pk},
        "current": _recovery_ref(request.auth, kpi),
    }


@router.post(
    "/kpis/{kpi_id}/recovery",
    response={201: RecoveryCreated},
    summary="Create the recovery objective of a red KPI, its key result following the KPI",
)
def create_recovery(request, kpi_id: int, payload: RecoveryIn):
    kpi = services.get_kpi(request.auth, kpi_id)
    data = payload.dict()
    objective = services.create_recovery(
        request.auth,
        kpi,
        cycle=access.get_cycle(data["cycle"], field="cycle") if data["cycle"] else None,
        title=data["title"],
        target=data["target"],
        owner_person=(
            access.get_person(data["owner_person"], field="owner_person")
            if data["owner_person"]
            else None
        ),
        owner_team=(
            access.get_team(data["owner_team"], field="owner_team") if data["owner_team"] else None
        ),
    )
    return Status(201, {"id": objective.pk, "url": reverse("objective", args=[objective.pk])})
