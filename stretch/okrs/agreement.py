"""Setting OKRs together: a draft is proposed to a reviewer, discussed and agreed.

The OKR method asks that objectives are agreed between levels, not handed down or set
alone. A draft is proposed to its reviewer: for a person's objective their manager (else a
lead of a team they belong to), for a team's objective a lead of the team above (else an
administrator). The reviewer agrees (the objective is published) or asks for changes (the
owner edits and proposes again: each round is a new `Proposal` row, so the talk is kept).
Discussion happens in the objective's ordinary comments.

With the company setting `okrs_need_agreement` on, a draft is published only through an
agreed proposal (`publish_refusal`, asked by `services` before draft -> active). Two ways
around it, on purpose: an owner with nobody to review them (the person at the top) publishes
directly, and so does an administrator, who is every reviewer's fallback and may agree any
proposal anyway. With the setting off, a draft publishes directly, and proposing is an
option for those who want a second pair of eyes.

Alignment requests live in `alignment_requests.py`, dependencies in `dependencies.py`.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.okrs import phases
from stretch.okrs.models import Objective, Proposal
from stretch.org.models import Company, Membership, Profile, display_name
from stretch.social import events

MAX_TEXT = 5000


def workflow_on() -> bool:
    """Whether the company asks for every objective to be agreed before it is published."""
    return Company.objects.filter(pk=1, okrs_need_agreement=True).exists()


def clean_text(field: str, text: str | None, *, required_message: str = "") -> str:
    """Text of a message, answer, note or reason: trimmed, bounded, required if asked."""
    text = (text or "").strip()
    if required_message and not text:
        raise ValidationError({field: required_message})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {field: _("At most %(most)s characters, please.") % {"most": MAX_TEXT}}
        )
    return text


# Who reviews --------------------------------------------------------------------------------


def reviewers_for(objective: Objective, proposer=None) -> list:
    """Who may agree `objective`, the usual reviewer first.

    A person's objective: their manager, then the leads of the teams they belong to. A team's
    objective: the leads of the team above, then the administrators. Never the owner or the
    proposer themselves, and only people who may see the objective (a private one stays
    private). At most three queries.
    """
    users = get_user_model().objects.filter(is_active=True).select_related("profile")
    not_them = {objective.owner_person_id, getattr(proposer, "pk", None)} - {None}
    ordered: list[int] = []
    if objective.owner_person_id is not None:
        manager = (
            Profile.objects.filter(user_id=objective.owner_person_id)
            .values_list("manager_id", flat=True)
            .first()
        )
        ordered += [manager] if manager else []
        ordered += list(
            Membership.objects.filter(
                role=Membership.Role.LEAD,
                team__memberships__person_id=objective.owner_person_id,
            )
            .order_by("person_id")
            .values_list("person_id", flat=True)
        )
    else:
        parent_id = objective.owner_team.parent_id if objective.owner_team_id else None
        ordered += list(
            Membership.objects.filter(role=Membership.Role.LEAD, team_id=parent_id)
            .order_by("person_id")
            .values_list("person_id", flat=True)
        )
        if not set(ordered) - not_them:
            ordered += list(admins().values_list("pk", flat=True))
    wanted = [pk for pk in dict.fromkeys(ordered) if pk not in not_them]
    found = {user.pk: user for user in users.filter(pk__in=wanted)}
    return [
        found[pk]
        for pk in wanted
        if pk in found and access.can_view_objective(found[pk], objective)
    ]


def admins():
    return (
        get_user_model()
        .objects.filter(Q(is_staff=True) | Q(is_superuser=True), is_active=True)
        .select_related("profile")
        .order_by("pk")
    )


def publish_refusal(actor, objective: Objective) -> str | None:
    """Why `actor` may not publish the draft `objective` now (None: they may).

    Asked by `services` before a draft becomes active; see the module's docstring.
    """
    if access.is_admin(actor) or not workflow_on():
        return None
    latest = (
        Proposal.objects.filter(objective_id=objective.pk)
        .order_by("-created_at", "-id")
        .values_list("state", flat=True)
        .first()
        if objective.pk
        else None
    )
    if latest == Proposal.State.AGREED:
        return None
    reviewers = reviewers_for(objective, actor)
    if not reviewers:
        return None
    return _(
        "Objectives are agreed before they are published: propose it to %(reviewer)s first."
    ) % {"reviewer": display_name(reviewers[0])}


# Proposals ----------------------------------------------------------------------------------


def _locked_objective(actor, objective: Objective) -> Objective:
    locked = Objective.objects.select_for_update(of=("self",)).select_related("cycle", "owner_team")
    objective = locked.get(pk=objective.pk)
    if not access.can_view_objective(actor, objective):
        raise Http404(_("No objective with id %(id)s.") % {"id": objective.pk})
    return objective


def pending_proposal(objective: Objective) -> Proposal | None:
    return (
        Proposal.objects.filter(objective=objective, state=Proposal.State.PENDING)
        .select_related("reviewer__profile", "proposer__profile")
        .first()
    )


def propose(actor, objective: Objective, message: str = "", reviewer=None) -> Proposal:
    """Put the draft `objective` to a reviewer (the usual one unless `reviewer` is named)."""
    message = clean_text("message", message)
    with transaction.atomic():
        objective = _locked_objective(actor, objective)
        if not access.can_edit_objective(actor, objective):
            raise PermissionDenied(_("Only those who may change the objective propose it."))
        if objective.status != Objective.Status.DRAFT:
            raise ValidationError(
                {
                    "status": _("Only a draft is proposed; this objective is %(status)s.")
                    % {"status": objective.get_status_display().lower()}
                }
            )
        phases.require(objective.cycle, phases.WRITE)
        waiting = pending_proposal(objective)
        if waiting is not None:
            raise ValidationError(
                {
                    "objective": _(
                        "A proposal already waits for %(reviewer)s's answer; withdraw it "
                        "to propose again."
                    )
                    % {"reviewer": _name(waiting.reviewer)}
                }
            )
        candidates = reviewers_for(objective, actor)
        if reviewer is None:
            if not candidates:
                raise ValidationError(
                    {"reviewer": _("Nobody reviews this objective; publish it directly.")}
                )
            reviewer = candidates[0]
        elif reviewer.pk not in {c.pk for c in candidates} and not (
            access.is_admin(reviewer) and reviewer.pk != actor.pk
        ):
            names = ", ".join(display_name(c) for c in candidates) or _("nobody")
            raise ValidationError(
                {
                    "reviewer": _(
                        "%(name)s does not review this objective; choose one of: %(names)s."
                    )
                    % {"name": display_name(reviewer), "names": names}
                }
            )
        proposal = Proposal.objects.create(
            objective=objective, proposer=actor, reviewer=reviewer, message=message
        )
        events.record(
            events.Verb.PROPOSED,
            actor,
            objective=objective,
            recipients=[reviewer],
            data={"message": message, "reviewer_id": reviewer.pk, "proposal_id": proposal.pk},
        )
    return proposal


def _answerable(actor, proposal: Proposal) -> Proposal:
    """The proposal, locked, if `actor` is its reviewer (or an administrator) and it waits."""
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("objective__cycle", "proposer__profile", "reviewer__profile")
        .get(pk=proposal.pk)
    )
    if not access.can_view_objective(actor, proposal.objective):
        raise Http404(_("No objective with id %(id)s.") % {"id": proposal.objective_id})
    if proposal.reviewer_id != actor.pk and not access.is_admin(actor):
        raise PermissionDenied(
            _("This proposal is addressed to %(reviewer)s.")
            % {"reviewer": _name(proposal.reviewer)}
        )
    _require_pending(proposal)
    return proposal


def _require_pending(proposal: Proposal) -> None:
    if proposal.state != Proposal.State.PENDING:
        raise ValidationError(
            {
                "proposal": _("This proposal is no longer waiting (it is %(state)s).")
                % {"state": proposal.get_state_display().lower()}
            }
        )


def agree(actor, proposal: Proposal, answer: str = "") -> Proposal:
    """The reviewer agrees: the objective is published, through `services` so its history
    and the OBJECTIVE_PUBLISHED activity are written as for any publishing."""
    from stretch.okrs import services

    answer = clean_text("answer", answer)
    with transaction.atomic():
        proposal = _answerable(actor, proposal)
        _answer(proposal, Proposal.State.AGREED, answer)
        objective = proposal.objective
        if objective.status == Objective.Status.DRAFT:
            # The reviewer may not edit someone's objective: the owner's commitment is
            # published on their behalf, and the history says who agreed it.
            publisher = actor if access.can_edit_objective(actor, objective) else proposal.proposer
            why = _("Agreed by %(name)s") % {"name": display_name(actor)}
            services.update_objective(
                publisher,
                objective,
                {"status": Objective.Status.ACTIVE},
                reason=f"{why}: {answer}" if answer else why,
            )
        events.record(
            events.Verb.AGREED,
            actor,
            objective=objective,
            recipients=[proposal.proposer] if proposal.proposer else [],
            data={"answer": answer, "proposal_id": proposal.pk},
        )
    return proposal


def request_changes(actor, proposal: Proposal, answer: str = "") -> Proposal:
    """The reviewer asks for changes, saying which; the objective stays a draft."""
    answer = clean_text(
        "answer", answer, required_message=_("Say what should change, so the owner knows.")
    )
    with transaction.atomic():
        proposal = _answerable(actor, proposal)
        _answer(proposal, Proposal.State.CHANGES_REQUESTED, answer)
        events.record(
            events.Verb.CHANGES_REQUESTED,
            actor,
            objective=proposal.objective,
            recipients=[proposal.proposer] if proposal.proposer else [],
            data={"answer": answer, "proposal_id": proposal.pk},
        )
    return proposal


def withdraw(actor, proposal: Proposal) -> Proposal:
    """The proposer (or anyone who may change the objective) takes a proposal back."""
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("objective")
            .get(pk=proposal.pk)
        )
        if not access.can_view_objective(actor, proposal.objective):
            raise Http404(_("No objective with id %(id)s.") % {"id": proposal.objective_id})
        if proposal.proposer_id != actor.pk and not access.can_edit_objective(
            actor, proposal.objective
        ):
            raise PermissionDenied(_("Only the proposer withdraws a proposal."))
        _require_pending(proposal)
        _answer(proposal, Proposal.State.WITHDRAWN, "")
    return proposal


def _answer(proposal: Proposal, state: str, answer: str) -> None:
    proposal.state, proposal.answer, proposal.answered_at = state, answer, timezone.now()
    proposal.save(update_fields=["state", "answer", "answered_at"])


def _name(user) -> str:
    return display_name(user) if user is not None else _("someone")


# The objective page -------------------------------------------------------------------------


def objective_context(user, objective) -> dict:
    """What the objective page's agreement panel needs: proposals, alignment requests and
    dependencies of `objective` as `user` may see and answer them (a bounded number of
    queries; see `agreement_views.objective_panel`)."""
    from stretch.okrs import agreement_views

    return {"agreement": agreement_views.objective_panel(user, objective)}
