"""Setting OKRs together in the API: proposals, alignment requests, dependencies.

Endpoints find objects through `stretch.access` (a private objective, and anything about
it, is a 404 to those who may not see it) and hand every change to the services in
`agreement`, `alignment_requests` and `dependencies`.
"""

from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from stretch import access
from stretch.okrs import agreement, alignment_requests, dependencies
from stretch.okrs.agreement_schemas import (
    AlignmentRequestIn,
    AlignmentRequestOut,
    AlignmentRequestPage,
    AnswerIn,
    DependencyIn,
    DependencyOut,
    DependencyPage,
    ProposalIn,
    ProposalOut,
    ProposalState,
    ReasonIn,
)
from stretch.okrs.models import AlignmentRequest, Dependency, Objective, Proposal
from stretch.org.models import display_name
from stretch.pagination import paginate

router = Router(tags=["agreement"])


def person_ref(user) -> dict | None:
    return None if user is None else {"id": user.pk, "name": display_name(user)}


def proposal_out(proposal: Proposal) -> dict:
    return {
        "id": proposal.pk,
        "objective": proposal.objective_id,
        "proposer": person_ref(proposal.proposer),
        "reviewer": person_ref(proposal.reviewer),
        "state": proposal.state,
        "message": proposal.message,
        "answer": proposal.answer,
        "created_at": proposal.created_at,
        "answered_at": proposal.answered_at,
    }


def alignment_request_out(request: AlignmentRequest, user) -> dict:
    return {
        "id": request.pk,
        "objective": request.objective_id,
        "objective_title": request.objective.title,
        "target": request.target_id,
        "target_title": request.target.title,
        "requester": person_ref(request.requester),
        "message": request.message,
        "state": request.state,
        "reason": request.reason,
        "answered_by": person_ref(request.answered_by),
        "can_answer": request.state == AlignmentRequest.State.PENDING
        and access.can_edit_objective(user, request.target),
        "created_at": request.created_at,
        "answered_at": request.answered_at,
    }


def dependency_out(dependency: Dependency, user) -> dict:
    return {
        "id": dependency.pk,
        "objective": dependency.objective_id,
        "objective_title": dependency.objective.title,
        "team": dependency.team_id,
        "team_name": dependency.team.name,
        "note": dependency.note,
        "state": dependency.state,
        "requested_by": person_ref(dependency.requested_by),
        "answered_by": person_ref(dependency.answered_by),
        "reason": dependency.reason,
        "can_answer": dependency.state == Dependency.State.PENDING
        and access.can_lead_team(user, dependency.team),
        "created_at": dependency.created_at,
        "answered_at": dependency.answered_at,
    }


# Proposals ----------------------------------------------------------------------------------


def _proposals(objective: Objective) -> list[Proposal]:
    return list(
        objective.proposals.select_related("proposer__profile", "reviewer__profile").order_by(
            "-created_at", "-id"
        )
    )


def _pending(objective: Objective) -> Proposal:
    proposal = agreement.pending_proposal(objective)
    if proposal is None:
        raise ValidationError({"proposal": _("No proposal of this objective waits for an answer.")})
    return proposal


def _objective(user, objective_id: int) -> Objective:
    return access.get_objective_for_user(user, objective_id)


@router.get(
    "/objectives/{objective_id}/proposal",
    response=ProposalState,
    summary="The objective's proposal to its reviewer, and every earlier round",
)
def get_proposal(request, objective_id: int):
    objective = _objective(request.auth, objective_id)
    history = _proposals(objective)
    return {
        "objective": objective.pk,
        "status": objective.status,
        "needs_agreement": agreement.workflow_on(),
        "reviewers": [person_ref(p) for p in agreement.reviewers_for(objective, request.auth)],
        "current": proposal_out(history[0]) if history else None,
        "history": [proposal_out(p) for p in history],
    }


@router.post(
    "/objectives/{objective_id}/proposal",
    response={201: ProposalOut},
    summary="Propose a draft objective to its reviewer (the owner or the team's lead)",
)
def create_proposal(request, objective_id: int, payload: ProposalIn):
    objective = _objective(request.auth, objective_id)
    reviewer = None
    if payload.reviewer is not None:
        reviewer = access.get_person(payload.reviewer, field="reviewer")
    proposal = agreement.propose(request.auth, objective, payload.message, reviewer=reviewer)
    return Status(201, proposal_out(proposal))


@router.post(
    "/objectives/{objective_id}/proposal/agree",
    response=ProposalOut,
    summary="Agree the waiting proposal (its reviewer, or an administrator): it is published",
)
def agree(request, objective_id: int, payload: AnswerIn | None = None):
    objective = _objective(request.auth, objective_id)
    answer = payload.answer if payload is not None else ""
    return proposal_out(agreement.agree(request.auth, _pending(objective), answer))


@router.post(
    "/objectives/{objective_id}/proposal/request-changes",
    response=ProposalOut,
    summary="Ask for changes to the waiting proposal, saying which (answer)",
)
def request_changes(request, objective_id: int, payload: AnswerIn):
    objective = _objective(request.auth, objective_id)
    return proposal_out(
        agreement.request_changes(request.auth, _pending(objective), payload.answer)
    )


@router.post(
    "/objectives/{objective_id}/proposal/withdraw",
    response=ProposalOut,
    summary="Take the waiting proposal back (its proposer)",
)
def withdraw(request, objective_id: int):
    objective = _objective(request.auth, objective_id)
    return proposal_out(agreement.withdraw(request.auth, _pending(objective)))


# Alignment requests -------------------------------------------------------------------------


def _alignment_requests(user):
    return alignment_requests.visible_to(
        user,
        AlignmentRequest.objects.select_related(
            "objective", "target", "requester__profile", "answered_by__profile"
        ),
    )


def _alignment_request(user, request_id: int) -> AlignmentRequest:
    found = _alignment_requests(user).filter(pk=request_id).first()
    if found is None:
        raise Http404(_("No alignment request with id %(id)s.") % {"id": request_id})
    return found


@router.get(
    "/alignment-requests",
    response=AlignmentRequestPage,
    summary="Requests to align one objective to another, newest first",
)
def list_alignment_requests(
    request,
    incoming: bool = Query(False, description="only those addressed to you"),
    outgoing: bool = Query(False, description="only those you (or your teams) made"),
    state: Literal["pending", "accepted", "declined", "withdrawn"] | None = None,
    objective: int | None = Query(None, description="asked for or to this objective"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    qs = _alignment_requests(request.auth)
    if incoming:
        qs = qs.filter(alignment_requests.incoming_filter(request.auth))
    if outgoing:
        qs = qs.filter(alignment_requests.outgoing_filter(request.auth))
    if state:
        qs = qs.filter(state=state)
    if objective is not None:
        qs = qs.filter(Q(objective_id=objective) | Q(target_id=objective))
    return paginate(
        qs.order_by("-created_at", "-id"),
        limit,
        offset,
        render=lambda r: alignment_request_out(r, request.auth),
    )


@router.post(
    "/alignment-requests",
    response={201: AlignmentRequestOut},
    summary="Ask that your objective contribute to another one; its owner answers",
)
def create_alignment_request(request, payload: AlignmentRequestIn):
    child = access.get_objective_for_user(request.auth, payload.objective, field="objective")
    target = access.get_objective_for_user(request.auth, payload.target, field="target")
    made = alignment_requests.request_alignment(request.auth, child, target, payload.message)
    return Status(
        201, alignment_request_out(_alignment_request(request.auth, made.pk), request.auth)
    )


def _answer_alignment(request, request_id: int, action, *args):
    found = _alignment_request(request.auth, request_id)
    action(request.auth, found, *args)
    return alignment_request_out(_alignment_request(request.auth, request_id), request.auth)


@router.post("/alignment-requests/{request_id}/accept", response=AlignmentRequestOut)
def accept_alignment_request(request, request_id: int, payload: ReasonIn | None = None):
    reason = payload.reason if payload is not None else ""
    return _answer_alignment(request, request_id, alignment_requests.accept, reason)


@router.post("/alignment-requests/{request_id}/decline", response=AlignmentRequestOut)
def decline_alignment_request(request, request_id: int, payload: ReasonIn):
    return _answer_alignment(request, request_id, alignment_requests.decline, payload.reason)


@router.post("/alignment-requests/{request_id}/withdraw", response=AlignmentRequestOut)
def withdraw_alignment_request(request, request_id: int):
    return _answer_alignment(request, request_id, alignment_requests.withdraw)


# Dependencies -------------------------------------------------------------------------------


def _dependencies(user):
    return dependencies.visible_to(
        user,
        Dependency.objects.select_related(
            "objective", "team", "requested_by__profile", "answered_by__profile"
        ),
    )


def _dependency(user, dependency_id: int) -> Dependency:
    found = _dependencies(user).filter(pk=dependency_id).first()
    if found is None:
        raise Http404(_("No dependency with id %(id)s.") % {"id": dependency_id})
    return found


@router.get(
    "/dependencies",
    response=DependencyPage,
    summary="Teams whose help objectives need: waiting ones first, then newest first",
)
def list_dependencies(
    request,
    objective: int | None = None,
    team: int | None = None,
    state: Literal["pending", "confirmed", "declined"] | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    qs = _dependencies(request.auth)
    if objective is not None:
        qs = qs.filter(objective_id=objective)
    if team is not None:
        qs = qs.filter(team_id=team)
    if state:
        qs = qs.filter(state=state)
    return paginate(
        dependencies.pending_first(qs),
        limit,
        offset,
        render=lambda d: dependency_out(d, request.auth),
    )


@router.post(
    "/dependencies",
    response={201: DependencyOut},
    summary="Name a team whose help an objective needs; its leads confirm or decline",
)
def create_dependency(request, payload: DependencyIn):
    objective = access.get_objective_for_user(request.auth, payload.objective, field="objective")
    team = access.get_team(payload.team, field="team")
    made = dependencies.add_dependency(request.auth, objective, team, payload.note)
    return Status(201, dependency_out(_dependency(request.auth, made.pk), request.auth))


@router.post("/dependencies/{dependency_id}/confirm", response=DependencyOut)
def confirm_dependency(request, dependency_id: int, payload: ReasonIn | None = None):
    found = _dependency(request.auth, dependency_id)
    dependencies.confirm(request.auth, found, payload.reason if payload is not None else "")
    return dependency_out(_dependency(request.auth, dependency_id), request.auth)


@router.post("/dependencies/{dependency_id}/decline", response=DependencyOut)
def decline_dependency(request, dependency_id: int, payload: ReasonIn):
    found = _dependency(request.auth, dependency_id)
    dependencies.decline(request.auth, found, payload.reason)
    return dependency_out(_dependency(request.auth, dependency_id), request.auth)


@router.delete("/dependencies/{dependency_id}", response={204: None})
def delete_dependency(request, dependency_id: int):
    dependencies.remove(request.auth, _dependency(request.auth, dependency_id))
    return Status(204, None)
