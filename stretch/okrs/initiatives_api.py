"""/api/v1/initiatives: the work that moves a key result.

Endpoints parse the request, find objects through `stretch.access` and `initiatives`, and
hand every change to `stretch.okrs.initiatives`.
"""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from stretch import access
from stretch.errors import Conflict
from stretch.okrs import initiatives
from stretch.okrs.api import changes_of, expected_version
from stretch.okrs.models import Initiative, KeyResult
from stretch.org.models import display_name
from stretch.pagination import Paged, paginate

router = Router(tags=["initiatives"])

InitiativeStatus = Literal["todo", "doing", "done", "dropped"]


# Shapes -------------------------------------------------------------------------------------


class KeyResultRef(Schema):
    id: int
    title: str


class PersonRef(Schema):
    id: int
    name: str


class InitiativeOut(Schema):
    id: int
    key_result: KeyResultRef
    objective: int
    title: str
    owner: PersonRef | None
    status: InitiativeStatus
    due: date | None
    overdue: bool = Field(..., description="due before today and neither done nor dropped")
    link: str
    position: int
    version: int
    can_edit: bool = Field(..., description="you may change it now (its objective is open)")
    created_at: datetime
    updated_at: datetime


class InitiativePage(Paged):
    items: list[InitiativeOut]
    done: int = Field(..., description="done, of all the initiatives the filter matches")
    open: int = Field(..., description="to do or doing (dropped ones are not open)")
    total: int


class InitiativeIn(Schema):
    key_result: int
    title: str = Field(..., description="at most 300 characters")
    owner: int | None = Field(None, description="a person id")
    status: InitiativeStatus = "todo"
    due: date | None = None
    link: str = Field("", description="an http:// or https:// address")


class InitiativePatch(Schema):
    title: str | None = None
    owner: int | None = Field(None, description="a person id; null: no owner")
    status: InitiativeStatus | None = None
    due: date | None = None
    link: str | None = None
    position: int | None = Field(None, ge=0)
    version: int | None = Field(None, description="the version you edited; 409 if stale")


class ReorderIn(Schema):
    key_result: int
    order: list[int] = Field(..., description="initiative ids, first to last")


class ConflictOut(Schema):
    detail: str
    current: InitiativeOut


def initiative_out(initiative: Initiative, user) -> dict:
    key_result = initiative.key_result
    owner = initiative.owner
    return {
        "id": initiative.pk,
        "key_result": {"id": key_result.pk, "title": key_result.title},
        "objective": key_result.objective_id,
        "title": initiative.title,
        "owner": None if owner is None else {"id": owner.pk, "name": display_name(owner)},
        "status": initiative.status,
        "due": initiative.due,
        "overdue": initiatives.is_overdue(initiative),
        "link": initiative.link,
        "position": initiative.position,
        "version": initiative.version,
        "can_edit": initiatives.can_change(user, key_result),
        "created_at": initiative.created_at,
        "updated_at": initiative.updated_at,
    }


# Finding ------------------------------------------------------------------------------------


def _get(user, initiative_id: int) -> Initiative:
    found = initiatives.visible_to(user, initiatives.listed()).filter(pk=initiative_id).first()
    if found is None:
        raise Http404(_("No initiative with id %(id)s.") % {"id": initiative_id})
    return found


def _key_result(user, key_result_id: int) -> KeyResult:
    """The key result a body names, or a 400 on `key_result` (the same for a private one)."""
    found = (
        access.key_results_visible_to(user, KeyResult.objects.select_related("objective__cycle"))
        .filter(pk=key_result_id)
        .first()
    )
    if found is None:
        raise ValidationError(
            {"key_result": _("No key result with id %(id)s.") % {"id": key_result_id}}
        )
    return found


def _owner(data: dict) -> dict:
    if data.get("owner") is not None:
        data["owner"] = access.get_person(data["owner"], field="owner")
    return data


# Endpoints ----------------------------------------------------------------------------------


@router.get(
    "/initiatives",
    response=InitiativePage,
    summary="Initiatives you may see: of a key result, of an objective, of a person",
)
def list_initiatives(
    request,
    key_result: int | None = Query(None, description="a key result id"),
    objective: int | None = Query(None, description="an objective id"),
    owner: int | None = Query(None, description="a person id"),
    status: InitiativeStatus | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    user = request.auth
    qs = initiatives.visible_to(user, initiatives.listed())
    if key_result is not None:
        access.get_key_result_for_user(user, key_result)  # a 404 if not there for them
        qs = qs.filter(key_result_id=key_result)
    if objective is not None:
        access.get_objective_for_user(user, objective)
        qs = qs.filter(key_result__objective_id=objective)
    if owner is not None:
        qs = qs.filter(owner_id=owner)
    counts = initiatives.count_query(qs)
    if status:
        qs = qs.filter(status=status)
    page = paginate(qs, limit, offset, render=lambda i: initiative_out(i, user))
    return {**page, "done": counts.done, "open": counts.open, "total": counts.total}


@router.post("/initiatives", response={201: InitiativeOut}, summary="Add an initiative")
def create_initiative(request, payload: InitiativeIn):
    data = _owner(payload.dict())
    key_result = _key_result(request.auth, data.pop("key_result"))
    made = initiatives.create(request.auth, key_result, **data)
    return Status(201, initiative_out(_get(request.auth, made.pk), request.auth))


@router.post(
    "/initiatives/reorder",
    response=list[InitiativeOut],
    summary="Put a key result's initiatives in order (those not named follow)",
)
def reorder_initiatives(request, payload: ReorderIn):
    key_result = _key_result(request.auth, payload.key_result)
    initiatives.reorder(request.auth, key_result, payload.order)
    listed = initiatives.listed().filter(key_result=key_result)
    return [initiative_out(i, request.auth) for i in listed]


@router.get("/initiatives/{initiative_id}", response=InitiativeOut)
def get_initiative(request, initiative_id: int):
    return initiative_out(_get(request.auth, initiative_id), request.auth)


@router.patch(
    "/initiatives/{initiative_id}",
    response={200: InitiativeOut, 409: ConflictOut},
    summary="Change an initiative: send `version` (or If-Match) to be told of others' edits",
)
def update_initiative(request, initiative_id: int, payload: InitiativePatch):
    initiative = _get(request.auth, initiative_id)
    changes = _owner(changes_of(payload, frozenset({"owner", "due"})))
    version = expected_version(request, changes.pop("version", None))
    try:
        initiatives.update(request.auth, initiative, version=version, **changes)
    except Conflict as conflict:
        current = initiative_out(_get(request.auth, initiative_id), request.auth)
        return Status(409, {"detail": conflict.message, "current": current})
    return initiative_out(_get(request.auth, initiative_id), request.auth)


@router.delete("/initiatives/{initiative_id}", response={204: None})
def delete_initiative(request, initiative_id: int):
    initiatives.delete(request.auth, _get(request.auth, initiative_id))
    return Status(204, None)
