"""/api/v1/feedback and /api/v1/feedback-requests: feedback given, received and visible,
and requests for it.

Reads go through `access.visible_feedback` / `feedback.requests_of`, so feedback or a
request the caller may not see answers 404, administrators included.
"""

from typing import Any, Literal

from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict

from stretch import access
from stretch.cfr import feedback as services
from stretch.cfr.api import person_out
from stretch.cfr.models import Feedback, FeedbackRequest
from stretch.pagination import paginate

router = Router(tags=["feedback"])


class FeedbackIn(Schema):
    model_config = ConfigDict(extra="forbid")

    receiver: int
    body: str
    visibility: str = Feedback.Visibility.PRIVATE
    objective: int | None = None


class RequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    people: list[int]
    about: str
    question: str = ""
    objective: int | None = None


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str
    visibility: str = Feedback.Visibility.PRIVATE


class DeclineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = ""


def _objective_out(item, shown: set[int]) -> dict[str, Any] | None:
    if item.objective_id is None or item.objective_id not in shown:
        return None
    return {"id": item.objective_id, "title": item.objective.title}


def feedback_out(item: Feedback, shown: set[int]) -> dict[str, Any]:
    return {
        "id": item.pk,
        "giver": person_out(item.giver),
        "receiver": person_out(item.receiver),
        "body": item.body,
        "visibility": item.visibility,
        "objective": _objective_out(item, shown),
        "request": item.request_id,
        "created_at": item.created_at,
    }


def request_out(item: FeedbackRequest, shown: set[int]) -> dict[str, Any]:
    return {
        "id": item.pk,
        "requester": person_out(item.requester),
        "asked": person_out(item.asked),
        "about": item.about,
        "question": item.question,
        "objective": _objective_out(item, shown),
        "state": item.state,
        "decline_reason": item.decline_reason,
        "created_at": item.created_at,
        "answered_at": item.answered_at,
    }


def _page(user, queryset, limit, offset, render):
    shown: set[int] = set()

    def prepare(items):
        shown.update(services.shown_objectives(user, items))

    return paginate(queryset, limit, offset, lambda i: render(i, shown), prepare)


@router.get("/feedback")
def list_feedback(
    request,
    box: Literal["received", "given", "visible"] = "received",
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
):
    user = request.auth
    queryset = access.visible_feedback(user)
    if box == "received":
        queryset = queryset.filter(receiver=user)
    elif box == "given":
        queryset = queryset.filter(giver=user)
    return _page(user, queryset, limit, offset, feedback_out)


@router.post("/feedback", response={201: dict})
def give_feedback(request, payload: FeedbackIn):
    item = services.give_feedback(request.auth, **payload.dict())
    item = services.get_feedback(request.auth, item.pk)
    return Status(201, feedback_out(item, services.shown_objectives(request.auth, [item])))


@router.get("/feedback/{feedback_id}")
def get_feedback(request, feedback_id: int):
    item = services.get_feedback(request.auth, feedback_id)
    return feedback_out(item, services.shown_objectives(request.auth, [item]))


@router.get("/feedback-requests")
def list_requests(
    request,
    box: Literal["incoming", "outgoing"] = "incoming",
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
):
    user = request.auth
    queryset = services.requests_of(user)
    queryset = queryset.filter(asked=user) if box == "incoming" else queryset.filter(requester=user)
    return _page(user, queryset, limit, offset, request_out)


@router.post("/feedback-requests", response={201: dict})
def request_feedback(request, payload: RequestIn):
    made = services.request_feedback(request.auth, **payload.dict())
    shown = services.shown_objectives(request.auth, made)
    return Status(201, {"items": [request_out(r, shown) for r in made]})


@router.get("/feedback-requests/{request_id}")
def get_request(request, request_id: int):
    item = services.get_request(request.auth, request_id)
    return request_out(item, services.shown_objectives(request.auth, [item]))


@router.post("/feedback-requests/{request_id}/answer", response={201: dict})
def answer_request(request, request_id: int, payload: AnswerIn):
    asked = services.get_request(request.auth, request_id)
    item = services.answer_request(request.auth, asked, **payload.dict())
    item = services.get_feedback(request.auth, item.pk)
    return Status(201, feedback_out(item, services.shown_objectives(request.auth, [item])))


@router.post("/feedback-requests/{request_id}/decline")
def decline_request(request, request_id: int, payload: DeclineIn):
    asked = services.get_request(request.auth, request_id)
    item = services.decline_request(request.auth, asked, **payload.dict())
    item = services.get_request(request.auth, item.pk)
    return request_out(item, services.shown_objectives(request.auth, [item]))
