"""Bottom-up alignment: I ask that my objective contribute to someone else's.

Top-down, an owner aligns their own objective to a parent they choose. Bottom-up, the owner
of the parent has a say too: they accept the request (the child is aligned to their
objective, through `services.update_objective`, so the change history records it) or
decline it with a reason. A request names the child (the requester's own objective) and the
target; at most one waits per pair.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.okrs import services
from stretch.okrs.agreement import clean_text
from stretch.okrs.models import AlignmentRequest, Objective
from stretch.org.models import Membership, display_name
from stretch.social import events


def answerers(target: Objective) -> list:
    """Who hears of a request to align to `target`: its owner, or its team's leads."""
    if target.owner_person_id is not None:
        return [target.owner_person]
    lead_ids = Membership.objects.filter(
        team_id=target.owner_team_id, role=Membership.Role.LEAD
    ).values("person_id")
    return list(get_user_model().objects.filter(pk__in=lead_ids, is_active=True).order_by("pk"))


def _not_found(objective_id) -> Http404:
    return Http404(_("No objective with id %(id)s.") % {"id": objective_id})


def request_alignment(
    actor, objective: Objective, target: Objective, message: str = ""
) -> AlignmentRequest:
    """Ask that `objective` (which `actor` may change) be aligned to `target`."""
    message = clean_text("message", message)
    if not access.can_view_objective(actor, objective):
        raise _not_found(objective.pk)
    if not access.can_edit_objective(actor, objective):
        raise PermissionDenied(_("Only those who may change the objective ask to align it."))
    if not access.can_view_objective(actor, target):
        raise ValidationError({"target": _("No objective with id %(id)s.") % {"id": target.pk}})
    if target.pk == objective.pk:
        raise ValidationError({"target": _("An objective cannot align to itself.")})
    if objective.parent_id == target.pk:
        raise ValidationError({"target": _("The objective is aligned to it already.")})
    try:
        services.validate_alignment(objective, target)
    except ValidationError as error:
        raise ValidationError({"target": error.message_dict["parent"]}) from None
    recipients = answerers(target)
    if recipients and not any(access.can_view_objective(p, objective) for p in recipients):
        raise ValidationError(
            {
                "objective": _(
                    "The owner of “%(target)s” cannot see this private objective; make it "
                    "public to ask."
                )
                % {"target": target.title}
            }
        )
    with transaction.atomic():
        Objective.objects.select_for_update().filter(pk=objective.pk).first()  # one at a time
        if AlignmentRequest.objects.filter(
            objective=objective, target=target, state=AlignmentRequest.State.PENDING
        ).exists():
            raise ValidationError(
                {"target": _("A request to align to this objective waits for an answer already.")}
            )
        request = AlignmentRequest.objects.create(
            objective=objective, target=target, requester=actor, message=message
        )
        events.record(
            events.Verb.ALIGNMENT_REQUESTED,
            actor,
            objective=objective,
            recipients=recipients,
            data={
                "target_id": target.pk,
                "target_title": target.title,
                "message": message,
                "request_id": request.pk,
            },
        )
    return request


def _locked(request: AlignmentRequest) -> AlignmentRequest:
    return (
        AlignmentRequest.objects.select_for_update(of=("self",))
        .select_related("objective__cycle", "target__cycle", "requester")
        .get(pk=request.pk)
    )


def _answerable(actor, request: AlignmentRequest) -> AlignmentRequest:
    request = _locked(request)
    if not access.can_view_objective(actor, request.target):
        raise _not_found(request.target_id)
    if not access.can_view_objective(actor, request.objective):
        raise _not_found(request.objective_id)
    if not access.can_edit_objective(actor, request.target):
        raise PermissionDenied(
            _("Only the owner of “%(target)s” answers.") % {"target": request.target.title}
        )
    _require_pending(request)
    return request


def _require_pending(request: AlignmentRequest) -> None:
    if request.state != AlignmentRequest.State.PENDING:
        raise ValidationError(
            {
                "request": _("This request is no longer waiting (it is %(state)s).")
                % {"state": request.get_state_display().lower()}
            }
        )


def _answered(actor, request: AlignmentRequest, state: str, reason: str) -> None:
    request.state, request.reason = state, reason
    request.answered_by, request.answered_at = actor, timezone.now()
    request.save(update_fields=["state", "reason", "answered_by", "answered_at"])


def _tell_requester(verb, actor, request: AlignmentRequest, reason: str) -> None:
    events.record(
        verb,
        actor,
        objective=request.objective,
        recipients=[request.requester] if request.requester else [],
        data={
            "target_id": request.target_id,
            "target_title": request.target.title,
            "reason": reason,
            "request_id": request.pk,
        },
    )


def accept(actor, request: AlignmentRequest, reason: str = "") -> AlignmentRequest:
    """The target's owner accepts: the requester's objective is aligned to the target."""
    reason = clean_text("reason", reason)
    with transaction.atomic():
        request = _answerable(actor, request)
        child = request.objective
        # The target's owner may not change the child: the requester's wish is carried
        # out on their behalf, and the history says who accepted it.
        editor = actor if access.can_edit_objective(actor, child) else request.requester
        if editor is None:
            raise PermissionDenied(_("Nobody who asked may still change the objective."))
        why = _("Alignment accepted by %(name)s") % {"name": display_name(actor)}
        try:
            services.update_objective(
                editor,
                child,
                {"parent": request.target},
                reason=f"{why}: {reason}" if reason else why,
            )
        except ValidationError as error:
            messages = error.message_dict
            raise ValidationError(
                {"target": messages.pop("parent")} if "parent" in messages else messages
            ) from None
        _answered(actor, request, AlignmentRequest.State.ACCEPTED, reason)
        _tell_requester(events.Verb.ALIGNMENT_ACCEPTED, actor, request, reason)
    return request


def decline(actor, request: AlignmentRequest, reason: str = "") -> AlignmentRequest:
    """The target's owner declines, saying why."""
    reason = clean_text(
        "reason", reason, required_message=_("Say why, so the requester can find a better fit.")
    )
    with transaction.atomic():
        request = _answerable(actor, request)
        _answered(actor, request, AlignmentRequest.State.DECLINED, reason)
        _tell_requester(events.Verb.ALIGNMENT_DECLINED, actor, request, reason)
    return request


def withdraw(actor, request: AlignmentRequest) -> AlignmentRequest:
    """The requester (or anyone who may change their objective) takes the request back."""
    with transaction.atomic():
        request = _locked(request)
        if not access.can_view_objective(actor, request.objective):
            raise _not_found(request.objective_id)
        if request.requester_id != actor.pk and not access.can_edit_objective(
            actor, request.objective
        ):
            raise PermissionDenied(_("Only the requester withdraws a request."))
        _require_pending(request)
        _answered(actor, request, AlignmentRequest.State.WITHDRAWN, "")
    return request


def visible_to(user, queryset=None):
    """Requests `user` may see: both objectives visible to them."""
    qs = AlignmentRequest.objects.all() if queryset is None else queryset
    if access.is_admin(user):
        return qs
    visible = access.objectives_visible_to(user).values("id")
    return qs.filter(objective__in=visible, target__in=visible)


def incoming_filter(user):
    """Requests addressed to `user`: to objectives they own or whose team they lead."""
    return Q(target__owner_person=user) | Q(target__owner_team_id__in=access.reach(user).led_teams)


def outgoing_filter(user):
    """Requests `user` made, or made for objectives they own or whose team they lead."""
    return (
        Q(requester=user)
        | Q(objective__owner_person=user)
        | Q(objective__owner_team_id__in=access.reach(user).led_teams)
    )
