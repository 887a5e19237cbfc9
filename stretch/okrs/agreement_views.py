"""Pages of setting OKRs together: the objective page's agreement panel, its forms, and
the Requests page (what waits for me, what I asked).

Every form is a plain POST that works without JavaScript: on success it redirects back to
where it came from (`back`: the objective, the Requests page or a team page); a refused
one shows that page again with the reason, answered 400.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stretch import access
from stretch.okrs import agreement, alignment_requests, dependencies, phases, services
from stretch.okrs.models import AlignmentRequest, Dependency, Objective, Proposal
from stretch.org.models import Team
from stretch.params import as_int

HISTORY = 20  # proposals and requests shown on a page
TARGETS = 100  # objectives offered in the "Ask to align to" select
LISTED = 50  # rows of each list of the Requests page


def objective_panel(user, objective: Objective) -> dict:
    """The agreement panel of `objective` as `user` sees it: three queries (proposals,
    alignment requests, dependencies), and for a draft its editor may propose, a few more
    for the reviewers and the company's setting."""
    can_edit = access.can_edit_objective(user, objective)
    writable = phases.allows(objective.cycle, phases.WRITE)
    is_draft = objective.status == Objective.Status.DRAFT
    proposals = list(
        objective.proposals.select_related("proposer__profile", "reviewer__profile").order_by(
            "-created_at", "-id"
        )[:HISTORY]
    )
    pending = next((p for p in proposals if p.state == Proposal.State.PENDING), None)
    may_propose = can_edit and is_draft and writable and pending is None
    reviewers = agreement.reviewers_for(objective, user) if may_propose else []
    refusal = agreement.publish_refusal(user, objective) if may_propose else None
    # Its own requests, and those waiting to align to it, both ends visible: one query.
    asks = list(
        alignment_requests.visible_to(
            user,
            AlignmentRequest.objects.filter(
                Q(objective=objective) | Q(target=objective, state=AlignmentRequest.State.PENDING)
            ),
        )
        .select_related("objective", "target", "requester__profile", "answered_by__profile")
        .order_by("-created_at", "-id")[: 2 * HISTORY]
    )
    needs = list(
        dependencies.pending_first(
            objective.dependencies.select_related(
                "team", "requested_by__profile", "answered_by__profile"
            )
        )
    )
    led = access.reach(user).led_teams
    for dependency in needs:
        dependency.can_answer = dependency.state == Dependency.State.PENDING and (
            access.is_admin(user) or dependency.team_id in led
        )
    return {
        "workflow_on": refusal is not None or (may_propose and agreement.workflow_on()),
        "can_ask": can_edit and writable,
        "can_edit": can_edit,
        "writable": writable,
        "is_draft": is_draft,
        "proposals": proposals,
        "pending": pending,
        "can_answer": pending is not None
        and (pending.reviewer_id == user.pk or access.is_admin(user)),
        "may_propose": may_propose,
        "reviewers": reviewers,
        "may_publish": may_propose and refusal is None,
        "refusal": refusal,
        "outgoing": [r for r in asks if r.objective_id == objective.pk][:HISTORY],
        "incoming": [r for r in asks if r.target_id == objective.pk][:HISTORY],
        "dependencies": needs,
    }


def _targets(user, objective: Objective) -> list[Objective]:
    """Objectives `objective` could be asked to align to: visible, in a covering cycle."""
    cycle = objective.cycle
    return list(
        access.objectives_visible_to(
            user, Objective.objects.select_related("cycle", "owner_person__profile", "owner_team")
        )
        .filter(cycle__start__lte=cycle.start, cycle__end__gte=cycle.end)
        .exclude(pk__in=[objective.pk, objective.parent_id or 0])
        .exclude(status=Objective.Status.CLOSED)
        .order_by("cycle__start", "title", "id")[:TARGETS]
    )


def _teams(objective: Objective) -> list[Team]:
    named = set(objective.dependencies.values_list("team_id", flat=True))
    return list(Team.objects.exclude(pk__in=named | {objective.owner_team_id or 0}))


# Where a form came from, and back there ------------------------------------------------------


def _back(request, objective_id: int | None, anchor: str = "agreement") -> str:
    back = request.POST.get("back", "")
    if back == "requests":
        return reverse("requests")
    if back.startswith("team:") and (team_id := as_int(back.removeprefix("team:"))):
        return reverse("team", args=[team_id]) + "#team-agreement"
    return reverse("objective", args=[objective_id]) + f"#{anchor}"


def _refused(request, objective_id: int, error: ValidationError):
    """Show the page the form came from again, with why it was refused (400)."""
    for texts in error.message_dict.values():
        for text in texts:
            messages.error(request, text)
    back = request.POST.get("back", "")
    if back == "requests":
        return requests_page(request, status=400)
    if back.startswith("team:") and (team_id := as_int(back.removeprefix("team:"))):
        from stretch.org import views as org_views

        response = org_views.team(request, team_id)
        response.status_code = 400
        return response
    from stretch.okrs import views

    return views._render_objective(request, objective_id, status=400)


def _act(request, objective_id: int, action, done: str, anchor: str = "agreement"):
    try:
        action()
    except ValidationError as error:
        return _refused(request, objective_id, error)
    messages.success(request, done)
    return redirect(_back(request, objective_id, anchor))


# Proposals ----------------------------------------------------------------------------------


@require_POST
def propose(request, objective_id: int):
    objective = access.get_objective_for_user(request.user, objective_id)
    reviewer_id = as_int(request.POST.get("reviewer"))

    def action():
        reviewer = access.get_person(reviewer_id, field="reviewer") if reviewer_id else None
        agreement.propose(
            request.user, objective, request.POST.get("message", ""), reviewer=reviewer
        )

    return _act(request, objective_id, action, _("Proposed. The reviewer is told."))


@require_POST
def publish(request, objective_id: int):
    objective = access.get_objective_for_user(request.user, objective_id, write=True)

    def action():
        services.update_objective(request.user, objective, {"status": Objective.Status.ACTIVE})

    return _act(request, objective_id, action, _("Published."))


def _proposal(request, proposal_id: int) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("objective"), pk=proposal_id)
    if not access.can_view_objective(request.user, proposal.objective):
        raise Http404
    return proposal


@require_POST
def agree(request, proposal_id: int):
    proposal = _proposal(request, proposal_id)
    answer = request.POST.get("answer", "")
    return _act(
        request,
        proposal.objective_id,
        lambda: agreement.agree(request.user, proposal, answer),
        _("Agreed: the objective is published."),
    )


@require_POST
def request_changes(request, proposal_id: int):
    proposal = _proposal(request, proposal_id)
    answer = request.POST.get("answer", "")
    return _act(
        request,
        proposal.objective_id,
        lambda: agreement.request_changes(request.user, proposal, answer),
        _("Changes asked for. The owner is told."),
    )


@require_POST
def withdraw_proposal(request, proposal_id: int):
    proposal = _proposal(request, proposal_id)
    return _act(
        request,
        proposal.objective_id,
        lambda: agreement.withdraw(request.user, proposal),
        _("Proposal withdrawn."),
    )


# Alignment requests -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_alignment(request, objective_id: int):
    """Ask that this objective contribute to another one: a form, then the request."""
    objective = access.get_objective_for_user(request.user, objective_id, write=True)
    if request.method == "POST":
        try:
            target_id = as_int(request.POST.get("target"))
            if target_id is None:
                raise ValidationError({"target": _("Choose the objective to align to.")})
            target = access.get_objective_for_user(request.user, target_id, field="target")
            alignment_requests.request_alignment(
                request.user, objective, target, request.POST.get("message", "")
            )
        except ValidationError as error:
            return _ask_form(request, objective, "align", error)
        messages.success(request, _("Asked. The owner of that objective is told."))
        return redirect(_back(request, objective_id))
    return _ask_form(request, objective, "align")


def _ask_form(request, objective: Objective, kind: str, error: ValidationError | None = None):
    context = {
        "objective": objective,
        "kind": kind,
        "errors": error.message_dict if error is not None else {},
        "targets": _targets(request.user, objective) if kind == "align" else [],
        "teams": _teams(objective) if kind == "dependency" else [],
        "posted": request.POST,
    }
    return render(request, "okrs/agreement_ask.html", context, status=400 if error else 200)


def _alignment_request(request, request_id: int) -> AlignmentRequest:
    found = (
        alignment_requests.visible_to(request.user, AlignmentRequest.objects.all())
        .select_related("objective", "target")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _answer_alignment(request, request_id: int, action, done: str, *args):
    found = _alignment_request(request, request_id)
    # The answerer came from the target's page, the requester from their own objective's.
    withdrawing = action is alignment_requests.withdraw
    objective_id = found.objective_id if withdrawing else found.target_id
    return _act(request, objective_id, lambda: action(request.user, found, *args), done)


@require_POST
def accept_alignment(request, request_id: int):
    return _answer_alignment(
        request,
        request_id,
        alignment_requests.accept,
        _("Accepted: the objective is aligned to yours."),
        request.POST.get("reason", ""),
    )


@require_POST
def decline_alignment(request, request_id: int):
    return _answer_alignment(
        request,
        request_id,
        alignment_requests.decline,
        _("Declined. The requester is told why."),
        request.POST.get("reason", ""),
    )


@require_POST
def withdraw_alignment(request, request_id: int):
    return _answer_alignment(
        request, request_id, alignment_requests.withdraw, _("Request withdrawn.")
    )


# Dependencies -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def add_dependency(request, objective_id: int):
    """Name a team whose help the objective needs: a form, then the dependency."""
    objective = access.get_objective_for_user(request.user, objective_id, write=True)
    if request.method == "POST":
        try:
            team_id = as_int(request.POST.get("team"))
            if team_id is None:
                raise ValidationError({"team": _("Choose the team whose help is needed.")})
            team = access.get_team(team_id, field="team")
            dependencies.add_dependency(request.user, objective, team, request.POST.get("note", ""))
        except ValidationError as error:
            return _ask_form(request, objective, "dependency", error)
        messages.success(request, _("Added. The team's leads are told."))
        return redirect(_back(request, objective_id))
    return _ask_form(request, objective, "dependency")


def _dependency(request, dependency_id: int) -> Dependency:
    found = (
        dependencies.visible_to(request.user, Dependency.objects.all())
        .select_related("objective", "team")
        .filter(pk=dependency_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@require_POST
def confirm_dependency(request, dependency_id: int):
    found = _dependency(request, dependency_id)
    reason = request.POST.get("reason", "")
    return _act(
        request,
        found.objective_id,
        lambda: dependencies.confirm(request.user, found, reason),
        _("Confirmed: %(team)s will help.") % {"team": found.team.name},
    )


@require_POST
def decline_dependency(request, dependency_id: int):
    found = _dependency(request, dependency_id)
    reason = request.POST.get("reason", "")
    return _act(
        request,
        found.objective_id,
        lambda: dependencies.decline(request.user, found, reason),
        _("Declined. The objective's owner is told why."),
    )


@require_POST
def remove_dependency(request, dependency_id: int):
    found = _dependency(request, dependency_id)
    return _act(
        request,
        found.objective_id,
        lambda: dependencies.remove(request.user, found),
        _("Dependency removed."),
    )


# What waits for me --------------------------------------------------------------------------


def requests_page(request, status: int = 200):
    """Proposals to review, alignment requests to answer, dependencies to confirm, and what
    I asked, each list a bounded query."""
    user = request.user
    visible = access.objectives_visible_to(user).values("id")
    proposals = Proposal.objects.filter(objective__in=visible).select_related(
        "objective", "proposer__profile", "reviewer__profile"
    )
    asks = alignment_requests.visible_to(user, AlignmentRequest.objects.all()).select_related(
        "objective", "target", "requester__profile", "answered_by__profile"
    )
    needs = dependencies.visible_to(user, Dependency.objects.all()).select_related(
        "objective", "team", "requested_by__profile", "answered_by__profile"
    )
    led = access.reach(user).led_teams
    pending = Proposal.State.PENDING
    context = {
        "to_review": list(proposals.filter(reviewer=user, state=pending)[:LISTED]),
        "to_align": list(
            asks.filter(alignment_requests.incoming_filter(user), state=pending)[:LISTED]
        ),
        "to_confirm": list(needs.filter(team_id__in=led, state=pending)[:LISTED]),
        "my_proposals": list(proposals.filter(proposer=user)[:LISTED]),
        "my_requests": list(asks.filter(requester=user)[:LISTED]),
        "my_dependencies": list(needs.filter(requested_by=user)[:LISTED]),
    }
    return render(request, "okrs/requests.html", context, status=status)
