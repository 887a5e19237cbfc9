"""Feedback and feedback requests: every write in one transaction, and the one read that
guards privacy.

Who may read a piece of feedback is decided by `access.visible_feedback` alone: its giver
and receiver always; the receiver's managers up the line when it is `manager`; everyone when
it is `public`. Administrators get nothing extra, so private words stay between two people.
A request is seen only by the person who asked and the person asked.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from stretch import access
from stretch.cfr.models import Feedback, FeedbackRequest
from stretch.okrs.models import Objective
from stretch.org.models import display_name
from stretch.params import as_int
from stretch.social.models import Notification
from stretch.social.notify import language_of, notify

MAX_BODY = 5000
MAX_ABOUT = 300
MAX_QUESTION = 2000
MAX_REASON = 1000
MAX_PEOPLE = 20

# Reads -------------------------------------------------------------------------------------


# Who may read which feedback is decided in `access` with every other read rule; the name
# stays here for the callers that reach it through this module.
visible_feedback = access.visible_feedback


def get_feedback(user, pk) -> Feedback:
    found = access.visible_feedback(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No feedback with id %(id)s.") % {"id": pk})
    return found


def requests_of(user) -> QuerySet:
    """The requests the user made or was asked, with the people loaded."""
    if not user.is_authenticated:
        return FeedbackRequest.objects.none()
    return (
        FeedbackRequest.objects.filter(Q(requester=user) | Q(asked=user))
        .select_related("requester__profile", "asked__profile", "objective")
        .order_by("-created_at", "-id")
    )


def get_request(user, pk) -> FeedbackRequest:
    found = requests_of(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No feedback request with id %(id)s.") % {"id": pk})
    return found


def shown_objectives(user, items) -> set[int]:
    """Of the objectives the items link to, those `user` may see (one query at most)."""
    return access.visible_ids(user, {i.objective_id for i in items if i.objective_id})


# Checks ------------------------------------------------------------------------------------


def _person(pk, field: str):
    number = as_int(pk)
    if number is None:
        raise ValidationError({field: _("Not a person id: %(id)s.") % {"id": pk}})
    return access.get_person(number, field=field)


def _text(value, field: str, limit: int, *, required: bool, missing: str = "") -> str:
    text = (value if isinstance(value, str) else "").strip()
    if required and not text:
        raise ValidationError({field: missing})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return text


def _visibility(value) -> str:
    if value not in Feedback.Visibility.values:
        raise ValidationError({"visibility": _("Unknown choice: %(value)s.") % {"value": value}})
    return value


def _objective(actor, pk, others, *, public: bool, field: str = "objective"):
    """The objective to link: visible to the actor and each of `others` (and public when the
    words are public), else a 400 on `field`."""
    if pk in (None, ""):
        return None
    number = as_int(pk)
    objective = Objective.objects.filter(pk=number).first() if number is not None else None
    if objective is None or not access.can_view_objective(actor, objective):
        raise ValidationError({field: _("No objective with id %(id)s.") % {"id": pk}})
    if any(not access.can_view_objective(other, objective) for other in others):
        raise ValidationError({field: _("The person cannot see this objective.")})
    if public and objective.visibility != Objective.Visibility.PUBLIC:
        raise ValidationError({field: _("Public feedback can only be about a public objective.")})
    return objective


def _url(anchor: str) -> str:
    return reverse("feedback") + "#" + anchor


def _short(text: str) -> str:
    return Truncator(text).chars(140)


# Writes ------------------------------------------------------------------------------------


def give_feedback(actor, *, receiver, body, visibility, objective=None, request=None) -> Feedback:
    """Feedback to anyone but oneself, upward or downward alike; the receiver hears of it
    (the notification never carries the words, only who gave them)."""
    person = _person(receiver, "receiver")
    if person.pk == actor.pk:
        raise ValidationError({"receiver": _("You cannot give feedback to yourself.")})
    body = _text(body, "body", MAX_BODY, required=True, missing=_("Write the feedback."))
    visibility = _visibility(visibility)
    linked = _objective(actor, objective, [person], public=visibility == Feedback.Visibility.PUBLIC)
    with transaction.atomic():
        feedback = Feedback.objects.create(
            giver=actor,
            receiver=person,
            body=body,
            visibility=visibility,
            objective=linked,
            request=request,
        )
        if request is None:
            with translation.override(language_of(person)):
                title = _("%(name)s gave you feedback") % {"name": display_name(actor)}
                shown = _("Seen by: %(who)s") % {"who": feedback.get_visibility_display()}
                notify(person, Notification.Kind.FEEDBACK, title, shown, _url("received"))
    return feedback


def request_feedback(actor, *, people, about, question="", objective=None):
    """One request per person asked; each hears of theirs."""
    if not isinstance(people, list | tuple) or not people:
        raise ValidationError({"people": _("Choose at least one person to ask.")})
    if len(people) > MAX_PEOPLE:
        raise ValidationError({"people": _("At most %(n)s people.") % {"n": MAX_PEOPLE}})
    asked = {}
    for pk in people:
        person = _person(pk, "people")
        if person.pk == actor.pk:
            raise ValidationError({"people": _("You cannot ask yourself for feedback.")})
        asked[person.pk] = person
    about = _text(about, "about", MAX_ABOUT, required=True, missing=_("Say what it is about."))
    question = _text(question, "question", MAX_QUESTION, required=False)
    linked = _objective(actor, objective, list(asked.values()), public=False)
    made = []
    with transaction.atomic():
        for person in asked.values():
            made.append(
                FeedbackRequest.objects.create(
                    requester=actor, asked=person, about=about, question=question, objective=linked
                )
            )
            with translation.override(language_of(person)):
                title = _("%(name)s asks for your feedback") % {"name": display_name(actor)}
                notify(person, Notification.Kind.FEEDBACK, title, _short(about), _url("to-answer"))
    return made


def _pending_for(actor, request: FeedbackRequest) -> FeedbackRequest:
    if request.asked_id != actor.pk:
        raise PermissionDenied(_("This request was not addressed to you."))
    if request.state != FeedbackRequest.State.PENDING:
        raise ValidationError({"state": _("This request was answered or declined already.")})
    return request


def answer_request(actor, request: FeedbackRequest, *, body, visibility) -> Feedback:
    """Only the person asked answers: their feedback goes to the requester, about the
    request's objective (still only if the chosen visibility allows it)."""
    _pending_for(actor, request)
    with transaction.atomic():
        locked = FeedbackRequest.objects.select_for_update().get(pk=request.pk)
        _pending_for(actor, locked)
        feedback = give_feedback(
            actor,
            receiver=locked.requester_id,
            body=body,
            visibility=visibility,
            objective=locked.objective_id,
            request=locked,
        )
        locked.state = FeedbackRequest.State.ANSWERED
        locked.answered_at = timezone.now()
        locked.save(update_fields=["state", "answered_at"])
        requester = request.requester
        with translation.override(language_of(requester)):
            title = _("%(name)s answered your feedback request") % {"name": display_name(actor)}
            notify(
                requester, Notification.Kind.FEEDBACK, title, _short(locked.about), _url("received")
            )
    return feedback


def decline_request(actor, request: FeedbackRequest, *, reason="") -> FeedbackRequest:
    _pending_for(actor, request)
    reason = _text(reason, "reason", MAX_REASON, required=False)
    with transaction.atomic():
        locked = FeedbackRequest.objects.select_for_update().get(pk=request.pk)
        _pending_for(actor, locked)
        locked.state = FeedbackRequest.State.DECLINED
        locked.decline_reason = reason
        locked.answered_at = timezone.now()
        locked.save(update_fields=["state", "decline_reason", "answered_at"])
        requester = request.requester
        with translation.override(language_of(requester)):
            title = _("%(name)s declined your feedback request") % {"name": display_name(actor)}
            notify(
                requester,
                Notification.Kind.FEEDBACK,
                title,
                _short(reason or locked.about),
                _url("my-requests"),
            )
    return locked
