"""Reviews and carrying over in the JSON API.

Endpoints parse the request, find objects through `stretch.access` and hand every change to
`stretch.reviews.services`.
"""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from stretch import access
from stretch.errors import Conflict
from stretch.okrs.api import changes_of, expected_version, load_objective
from stretch.okrs.schemas import ObjectiveOut
from stretch.org.models import display_name
from stretch.pagination import Paged, paginate
from stretch.reviews import services
from stretch.reviews.models import TEXT_FIELDS, Review
from stretch.reviews.services import MAX_TEXT

router = Router(tags=["reviews"])

Kind = Literal["mid", "final"]
DiagnosisCode = Literal["on_track", "strategy", "execution", "not_enough_data"]


class PersonRef(Schema):
    id: int
    name: str


class DiagnosisOut(Schema):
    code: DiagnosisCode
    label: str
    explanation: str = Field(..., description="the numbers in words, in the reader's language")
    score: float | None = Field(..., description="the grade, or the progress while ungraded")
    graded: bool
    checked: int = Field(..., description="due check-ins made (per key result)")
    periods: int = Field(..., description="check-ins that were due (per key result)")
    cadence: str
    key_results: int
    objectives: int


class ReviewOut(Schema):
    id: int
    objective: int | None
    team: int | None
    cycle: int
    kind: Kind
    author: PersonRef | None
    went_well: str
    went_badly: str
    learned: str
    change_next: str
    diagnosis: DiagnosisOut | None
    version: int
    can_edit: bool
    created_at: datetime
    updated_at: datetime


class ReviewPage(Paged):
    items: list[ReviewOut]


class ReviewIn(Schema):
    objective: int | None = Field(None, description="the objective reviewed (or team)")
    team: int | None = Field(None, description="the team reviewed (or objective)")
    cycle: int | None = Field(None, description="needed for a team; an objective's own cycle")
    kind: Kind
    went_well: str = Field("", max_length=MAX_TEXT)
    went_badly: str = Field("", max_length=MAX_TEXT, description="what did not go well")
    learned: str = Field("", max_length=MAX_TEXT)
    change_next: str = Field("", max_length=MAX_TEXT, description="what we change")


class ReviewPatch(Schema):
    went_well: str | None = Field(None, max_length=MAX_TEXT)
    went_badly: str | None = Field(None, max_length=MAX_TEXT)
    learned: str | None = Field(None, max_length=MAX_TEXT)
    change_next: str | None = Field(None, max_length=MAX_TEXT)
    version: int | None = None


class ReviewConflict(Schema):
    detail: str
    current: ReviewOut


class CarryOverIn(Schema):
    cycle: int


class CarryOverOut(Schema):
    id: int
    url: str
    objective: ObjectiveOut


class CandidateOut(Schema):
    id: int
    title: str
    progress: float
    score: float | None
    carried_into: list[int] = Field(..., description="cycles it was carried into already")


class CandidatesOut(Schema):
    cycle: int
    next_cycle: int | None = Field(..., description="where a carry-over goes by default")
    items: list[CandidateOut]


def review_out(review: Review, user) -> dict:
    data = review.diagnosis_data or {}
    return {
        "id": review.pk,
        "objective": review.objective_id,
        "team": review.team_id,
        "cycle": review.cycle_id,
        "kind": review.kind,
        "author": (
            {"id": review.author.pk, "name": display_name(review.author)} if review.author else None
        ),
        **{name: getattr(review, name) for name in TEXT_FIELDS},
        "diagnosis": (
            {
                "code": review.diagnosis,
                "label": str(review.get_diagnosis_display()),
                "explanation": services.explain(review.diagnosis, data),
                "score": data.get("score"),
                "graded": bool(data.get("graded")),
                "checked": int(data.get("checked") or 0),
                "periods": int(data.get("periods") or 0),
                "cadence": data.get("cadence") or "",
                "key_results": int(data.get("key_results") or 0),
                "objectives": int(data.get("objectives") or 0),
            }
            if review.diagnosis
            else None
        ),
        "version": review.version,
        "can_edit": services.can_write(user, objective=review.objective, team=review.team),
        "created_at": review.created_at,
        "updated_at": review.updated_at,
    }


def reviews_queryset():
    return Review.objects.select_related("author__profile", "objective", "team")


def _conflict(conflict: Conflict, user):
    current = reviews_queryset().get(pk=conflict.current.pk)
    return Status(409, {"detail": conflict.message, "current": review_out(current, user)})


@router.get("/reviews", response=ReviewPage, summary="Reviews you may read")
def list_reviews(
    request,
    cycle: int | None = None,
    objective: int | None = None,
    team: int | None = None,
    kind: Kind | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    qs = services.reviews_visible_to(request.auth, reviews_queryset())
    if cycle is not None:
        qs = qs.filter(cycle_id=cycle)
    if objective is not None:
        qs = qs.filter(objective_id=objective)
    if team is not None:
        qs = qs.filter(team_id=team)
    if kind is not None:
        qs = qs.filter(kind=kind)
    # Whether the reader may edit each review: their reach is loaded once (cached on them).
    access.reach(request.auth)
    return paginate(qs.order_by("id"), limit, offset, lambda r: review_out(r, request.auth))


@router.post(
    "/reviews",
    response={201: ReviewOut, 409: ReviewConflict},
    summary="Write the mid-cycle or end-of-cycle review of an objective or a team",
)
def create_review(request, payload: ReviewIn):
    data = payload.dict()
    if (data["objective"] is None) == (data["team"] is None):
        raise ValidationError({"objective": _("Give exactly one of objective or team.")})
    subject: dict = {}
    if data["objective"] is not None:
        objective = access.get_objective_for_user(
            request.auth, data["objective"], field="objective"
        )
        if data["cycle"] is not None and data["cycle"] != objective.cycle_id:
            raise ValidationError(
                {
                    "cycle": _("The objective belongs to the cycle %(name)s.")
                    % {"name": objective.cycle.name}
                }
            )
        subject, cycle = {"objective": objective}, objective.cycle
    else:
        if data["cycle"] is None:
            raise ValidationError({"cycle": _("A team review needs its cycle.")})
        subject = {"team": access.get_team(data["team"], field="team")}
        cycle = access.get_cycle(data["cycle"], field="cycle")
    try:
        review = services.write_review(
            request.auth,
            cycle=cycle,
            kind=data["kind"],
            **subject,
            **{name: data[name] for name in TEXT_FIELDS},
        )
    except Conflict as conflict:
        return _conflict(conflict, request.auth)
    return Status(201, review_out(reviews_queryset().get(pk=review.pk), request.auth))


@router.get("/reviews/{review_id}", response=ReviewOut)
def get_review(request, review_id: int):
    return review_out(services.get_review_for_user(request.auth, review_id), request.auth)


@router.patch(
    "/reviews/{review_id}",
    response={200: ReviewOut, 409: ReviewConflict},
    summary="Change a review; send the version it was based on (body or If-Match)",
)
def update_review(request, review_id: int, payload: ReviewPatch):
    review = services.get_review_for_user(request.auth, review_id)
    changes = changes_of(payload)
    version = expected_version(request, changes.pop("version", None))
    try:
        services.update_review(request.auth, review, changes, expected_version=version)
    except Conflict as conflict:
        return _conflict(conflict, request.auth)
    return review_out(reviews_queryset().get(pk=review.pk), request.auth)


@router.post(
    "/objectives/{objective_id}/carry-over",
    response={201: CarryOverOut},
    summary="Copy an unfinished objective with its key results into a later cycle",
)
def carry_over(request, objective_id: int, payload: CarryOverIn):
    objective = access.get_objective_for_user(request.auth, objective_id)
    cycle = access.get_cycle(payload.cycle, field="cycle")
    copy = services.carry_over(request.auth, objective, cycle)
    return Status(
        201,
        {
            "id": copy.pk,
            "url": reverse("objective", args=[copy.pk]),
            "objective": load_objective(copy.pk, request.auth),
        },
    )


@router.get(
    "/cycles/{cycle_id}/carry-over",
    response=CandidatesOut,
    summary="Unfinished objectives of a graded or closed cycle that you may carry over",
)
def carry_over_candidates(request, cycle_id: int):
    cycle = access.get_cycle(cycle_id)
    target = services.next_cycle(cycle)
    return {
        "cycle": cycle.pk,
        "next_cycle": target.pk if target is not None else None,
        "items": [
            {
                "id": o.pk,
                "title": o.title,
                "progress": o.progress,
                "score": o.score,
                "carried_into": sorted(o.carried_into),  # type: ignore[attr-defined]
            }
            for o in services.carry_over_candidates(request.auth, cycle)
        ],
    }
