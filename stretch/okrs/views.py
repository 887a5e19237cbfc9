"""Pages: My OKRs, an objective with its key results, check-ins and history."""

from collections import defaultdict
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from stretch import access
from stretch.okrs import (
    agreement,
    grading,
    initiative_views,
    key_results,
    phases,
    rhythm,
    rollup,
    services,
)
from stretch.okrs import history as changes
from stretch.okrs import progress as math
from stretch.okrs.forms import CheckInForm, add_service_errors
from stretch.okrs.models import CheckIn, Cycle, KeyResult, Objective
from stretch.params import as_int
from stretch.social import comments, follows

HISTORY_PER_KEY_RESULT = 10
TIMELINE_LENGTH = 12


def pick_cycle(request) -> Cycle | None:
    """The cycle asked for in ?cycle=, else the active one that started last, else the newest."""
    cycles = Cycle.objects.all()
    if (wanted := as_int(request.GET.get("cycle"))) is not None:
        return cycles.filter(pk=wanted).first() or cycles.first()
    return cycles.filter(status=Cycle.Status.ACTIVE).order_by("-start").first() or cycles.first()


def objectives_queryset():
    return Objective.objects.select_related("cycle", "owner_person__profile", "owner_team")


def reported_by(user, cycle: Cycle | None = None):
    """The key results a person checks in on in a cycle (without one: in every active
    cycle): those they own, and those of their own objectives that have no owner of their own.

    Through the visibility rule: the owner of a key result on an objective made private
    since may no longer see it, so is neither asked for a check-in nor told its title.
    """
    in_cycle = Q(objective__cycle=cycle) if cycle else Q(objective__cycle__status="active")
    return access.key_results_visible_to(user).filter(
        Q(owner=user) | Q(owner=None, objective__owner_person=user),
        in_cycle,
        objective__status=Objective.Status.ACTIVE,
    )


def due_from(user) -> dict:
    """What the person owes this week, whatever cycle the page shows: check-ins older than
    their team's rhythm allows (a week, two, a month) in every active cycle (a year's key
    results as much as a quarter's), and the grades and end-of-cycle reviews to give in
    every cycle being graded."""
    now = timezone.now()
    overdue = Q(last_check_in=None)
    for cadence, days in math.CADENCE_DAYS.items():  # each team's own rhythm
        overdue |= Q(cadence=cadence, last_check_in__lt=now - timedelta(days=days))
    check_ins = [
        key_result
        for key_result in reported_by(user)
        .annotate(last_check_in=Max("check_ins__created_at"), cadence=rhythm.key_result_cadence())
        .filter(overdue)
        .select_related("objective__cycle")
        .prefetch_related("steps")
        .order_by("last_check_in", "pk")
        if not rollup.is_finished(key_result)  # a finished one owes no more check-ins
    ]
    being_graded = Objective.objects.filter(
        Q(owner_person=user) | Q(owner_team_id__in=access.reach(user).led_teams),
        cycle__status=Cycle.Status.GRADING,
    ).exclude(status=Objective.Status.DRAFT)
    grading = list(being_graded.filter(score=None).select_related("cycle"))
    # Graded, and the retrospective still to write (the reviews app keeps them).
    reviewing = list(
        being_graded.filter(score__isnull=False)
        .exclude(reviews__kind="final")
        .select_related("cycle")
    )
    return {"check_ins": check_ins, "grading": grading, "reviewing": reviewing}


def my_okrs(request):
    cycle = pick_cycle(request)
    mine: list[Objective] = []
    teams: list[Objective] = []
    contributing: list[KeyResult] = []
    if cycle is not None:
        reach = access.reach(request.user)
        objectives = list(
            objectives_queryset()
            .filter(
                Q(owner_person=request.user) | Q(owner_team_id__in=reach.member_teams),
                cycle=cycle,
            )
            .order_by("owner_team_id", "pk")
        )
        rollup.annotate(objectives)
        mine = [o for o in objectives if o.owner_person_id == request.user.pk]
        teams = [o for o in objectives if o.owner_person_id != request.user.pk]
        contributing = list(
            access.key_results_visible_to(
                request.user, rollup.key_results_query().select_related("objective__cycle")
            )
            .filter(owner=request.user, objective__cycle=cycle)
            .exclude(objective__owner_person=request.user)
            .exclude(objective__owner_team_id__in=reach.member_teams)
            .prefetch_related("steps")
        )
        rollup.annotate_key_results(contributing, cycle)
    return render(
        request,
        "okrs/my_okrs.html",
        {
            "cycle": cycle,
            "cycles": Cycle.objects.all(),
            "mine": mine,
            "teams": teams,
            "contributing": contributing,
            "due": due_from(request.user),
            "expected": rollup.expected_for(cycle) if cycle else 0,
        },
    )


def _history(key_results: list[KeyResult]) -> dict[int, list[CheckIn]]:
    """The newest check-ins of each key result, newest first (one query)."""
    history: dict[int, list[CheckIn]] = defaultdict(list)
    entries = CheckIn.objects.filter(key_result__in=key_results).select_related("author__profile")
    for entry in entries.order_by("-created_at", "-id"):
        if len(history[entry.key_result_id]) < HISTORY_PER_KEY_RESULT:
            history[entry.key_result_id].append(entry)
    return history


def _timeline(history: dict[int, list[CheckIn]], key_results: list[KeyResult]) -> list[CheckIn]:
    """The objective's check-ins across its key results, newest first."""
    titles = {kr.pk: kr for kr in key_results}
    entries = [entry for entries in history.values() for entry in entries]
    for entry in entries:
        entry.kr = titles[entry.key_result_id]
    return sorted(entries, key=lambda e: (e.created_at, e.pk), reverse=True)[:TIMELINE_LENGTH]


def _key_result_context(request, kr: KeyResult, history: list[CheckIn], form=None) -> dict:
    return key_results.card_context(request.user, kr, history, form)


def objective_detail(request, objective_id: int):
    access.get_objective_for_user(request.user, objective_id)
    return _render_objective(request, objective_id)


def _render_objective(
    request, objective_id: int, failed=None, status: int = 200, grade_failed=None
):
    """The objective page; `failed` is a (key result id, bound form) to show with its errors,
    `grade_failed` a refused grade with what was posted."""
    objective = objectives_queryset().select_related("parent", "pillar").get(pk=objective_id)
    children = list(
        access.objectives_visible_to(request.user, objectives_queryset()).filter(parent=objective)
    )
    rollup.annotate([objective, *children])
    history = _history(objective.key_result_list)
    failed_id, failed_form = failed or (None, None)
    work = initiative_views.objective_work(request.user, objective)
    cards = [
        {
            **_key_result_context(
                request, kr, history[kr.pk], failed_form if kr.pk == failed_id else None
            ),
            "initiatives": work.panel(kr),
        }
        for kr in objective.key_result_list
    ]
    parent_visible = objective.parent_id and access.can_view_objective(
        request.user, objective.parent
    )
    # The sections other apps add to the page: comments, following, agreeing.
    parts = {
        **comments.objective_context(request.user, objective),
        **follows.objective_context(request.user, objective),
        **agreement.objective_context(request.user, objective),
    }
    return render(
        request,
        "okrs/objective.html",
        {
            **parts,
            "objective": objective,
            "children": children,
            "cards": cards,
            "parent": objective.parent if parent_visible else None,
            "can_edit": access.can_edit_objective(request.user, objective),
            "can_write": access.can_edit_objective(request.user, objective)
            and phases.allows(objective.cycle, phases.WRITE),
            "timeline": _timeline(history, objective.key_result_list),
            "changes": changes.of_objective(objective, viewer=request.user),
            "score_steps": grading.SCORE_STEPS,
            "suggested_score": grading.suggested_objective_score(objective),
            "ungraded": sum(kr.score is None for kr in objective.key_result_list),
            "grade_flags": grading.flags(objective),
            "grade_failed": grade_failed or {},
            "initiative_counts": work.counts,
        },
        status=status,
    )


def _require_length(field: str, text: str, most: int) -> None:
    if len(text) > most:
        raise ValidationError({field: _("At most %(most)s characters, please.") % {"most": most}})


def _first_message(error: ValidationError) -> str:
    return " ".join(message for messages in error.message_dict.values() for message in messages)


@require_POST
def grade_key_result(request, key_result_id: int):
    kr = access.get_key_result_for_user(request.user, key_result_id, check_in=True)
    score, reason = request.POST.get("score", ""), request.POST.get("reason", "")
    try:
        _require_length("reason", reason, 2000)
        grading.grade_key_result(request.user, kr, score, reason=reason)
    except ValidationError as error:
        failed = {"kr": kr.pk, "score": score, "reason": reason, "message": _first_message(error)}
        return _render_objective(request, kr.objective_id, status=400, grade_failed=failed)
    return redirect(reverse("objective", args=[kr.objective_id]) + f"#kr-{kr.pk}")


@require_POST
def grade_objective(request, objective_id: int):
    objective = access.get_objective_for_user(request.user, objective_id, write=True)
    posted = {
        "score": request.POST.get("score", ""),
        "reason": request.POST.get("reason", ""),
        "reflection": request.POST.get("reflection", ""),
    }
    try:
        _require_length("reason", posted["reason"], 2000)
        _require_length("reflection", posted["reflection"], 10000)
        grading.grade_objective(
            request.user,
            objective,
            posted["score"] or None,
            reason=posted["reason"],
            reflection=posted["reflection"],
        )
    except ValidationError as error:
        failed = {"objective": True, **posted, "message": _first_message(error)}
        return _render_objective(request, objective.pk, status=400, grade_failed=failed)
    return redirect(reverse("objective", args=[objective.pk]) + "#grading")


def cycles(request):
    """Every cycle with its phase and dates; administrators move them on from here."""
    today = rollup.today()
    rows = []
    for cycle in Cycle.objects.all():
        back, following = phases.neighbours(cycle.status)
        rows.append(
            {
                "cycle": cycle,
                "closes_on": phases.closes_on(cycle),
                "by_date": Cycle.Status(phases.phase_by_date(cycle, today)).label,
                "next": following,
                "back": back,
            }
        )
    return render(
        request,
        "okrs/cycles.html",
        {"rows": rows, "can_manage": access.can_manage_company(request.user)},
    )


@require_POST
def cycle_phase(request, cycle_id: int):
    cycle = access.get_cycle(cycle_id)
    try:
        moved = phases.set_phase(request.user, cycle, request.POST.get("phase", ""))
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        messages.success(
            request,
            _("%(cycle)s is now in its %(phase)s phase.")
            % {"cycle": moved.name, "phase": moved.get_status_display()},
        )
    return redirect("cycles")


def _check_in_arguments(request, kr: KeyResult, data: dict) -> dict:
    """What was reported: a metric's value, a milestone's steps done, or done or not."""
    if kr.kind != KeyResult.Kind.MILESTONE:
        return {"value": data["value"]}
    if kr.steps.exists():
        return {"steps": [int(s) for s in request.POST.getlist("steps") if s.isdigit()]}
    return {"done": data["done"]}


@require_POST
def check_in(request, key_result_id: int):
    kr = access.get_key_result_for_user(request.user, key_result_id)
    if not access.can_check_in(request.user, kr):
        raise PermissionDenied
    form: CheckInForm | None = CheckInForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        arguments = _check_in_arguments(request, kr, data)
        try:
            services.check_in(
                request.user,
                kr,
                confidence=data["confidence"],
                note=data["note"],
                **arguments,
            )
            form = None
        except ValidationError as error:
            add_service_errors(form, error)
    back_to_key_result = request.POST.get("return_to") == "key-result"
    if form is None and back_to_key_result:
        # The key result page draws a chart and the full history: show them with the new one.
        url = reverse("key-result", args=[kr.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if not request.htmx:
        if form is None:
            return redirect("objective", objective_id=kr.objective_id)
        if back_to_key_result:
            return key_results.render_key_result(request, kr.pk, form=form, status=400)
        return _render_objective(request, kr.objective_id, failed=(kr.pk, form), status=400)
    objective = objectives_queryset().get(pk=kr.objective_id)
    rollup.annotate([objective])
    fresh = next(k for k in objective.key_result_list if k.pk == kr.pk)
    context = _key_result_context(request, fresh, _history([fresh])[fresh.pk], form)
    context["objective"] = objective
    context["oob"] = True
    context["on_key_result_page"] = back_to_key_result
    # HTMX swaps only 2xx answers, so a form with errors comes back as 200 with the errors.
    return render(request, "okrs/check_in_result.html", context)


def alignment_tree(request):
    """The first address of the alignment tree; it lives on the company page now."""
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return redirect(reverse("company") + query, permanent=True)
