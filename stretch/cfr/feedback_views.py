"""The feedback page: feedback received and given, requests to answer (with answer and
decline forms), my own requests, and the forms to give and to request feedback.

Plain forms that work without JavaScript; a refused form shows the page again with the
problem beside its field (status 400).
"""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from stretch import access
from stretch.cfr import feedback as services
from stretch.cfr.models import Feedback, FeedbackRequest
from stretch.cfr.views import _errors, _people
from stretch.okrs.models import Cycle
from stretch.params import as_int

SHOWN = 50


def _render(request, errors=None, form="", request_id=None):
    user = request.user
    visible = access.visible_feedback(user)
    received = list(visible.filter(receiver=user)[:SHOWN])
    given = list(visible.filter(giver=user)[:SHOWN])
    requests = services.requests_of(user)
    to_answer = list(requests.filter(asked=user, state=FeedbackRequest.State.PENDING)[:SHOWN])
    mine = list(requests.filter(requester=user)[:SHOWN])
    shown = services.shown_objectives(user, [*received, *given, *to_answer, *mine])
    objectives = (
        access.objectives_visible_to(user)
        .filter(cycle__status=Cycle.Status.ACTIVE)
        .order_by("title", "id")
    )
    context = {
        "received": received,
        "given": given,
        "to_answer": to_answer,
        "mine": mine,
        "shown_objectives": shown,
        "people": _people(user),
        "objectives": objectives,
        "visibilities": Feedback.Visibility.choices,
        "errors": errors or {},
        "form": form,
        "request_id": request_id,
        "data": request.POST if errors else {},
        "chosen_people": request.POST.getlist("people") if errors and form == "ask" else [],
    }
    return render(request, "cfr/feedback.html", context, status=400 if errors else 200)


def _act(request, form, action, request_id=None):
    try:
        action()
    except ValidationError as error:
        return _render(request, _errors(error), form, request_id)
    return redirect("feedback")


def feedback_page(request):
    return _render(request)


@require_POST
def give(request):
    data = request.POST
    return _act(
        request,
        "give",
        lambda: services.give_feedback(
            request.user,
            receiver=data.get("receiver"),
            body=data.get("body", ""),
            visibility=data.get("visibility", ""),
            objective=as_int(data.get("objective")),
        ),
    )


@require_POST
def ask(request):
    data = request.POST
    return _act(
        request,
        "ask",
        lambda: services.request_feedback(
            request.user,
            people=data.getlist("people"),
            about=data.get("about", ""),
            question=data.get("question", ""),
            objective=as_int(data.get("objective")),
        ),
    )


@require_POST
def answer(request, request_id: int):
    asked = services.get_request(request.user, request_id)
    data = request.POST
    return _act(
        request,
        "answer",
        lambda: services.answer_request(
            request.user, asked, body=data.get("body", ""), visibility=data.get("visibility", "")
        ),
        request_id,
    )


@require_POST
def decline(request, request_id: int):
    asked = services.get_request(request.user, request_id)
    return _act(
        request,
        "decline",
        lambda: services.decline_request(
            request.user, asked, reason=request.POST.get("reason", "")
        ),
        request_id,
    )
