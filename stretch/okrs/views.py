"""Pages: My OKRs, an objective with its key results and check-ins, the alignment tree."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from stretch import access
from stretch.okrs import alignment, rollup, services
from stretch.okrs import progress as math
from stretch.okrs.forms import CheckInForm, add_service_errors
from stretch.okrs.models import CheckIn, Cycle, KeyResult, Objective

HISTORY_PER_KEY_RESULT = 10


def pick_cycle(request) -> Cycle | None:
    """The cycle asked for in ?cycle=, else the active one that started last, else the newest."""
    cycles = Cycle.objects.all()
    if wanted := request.GET.get("cycle"):
        try:
            return cycles.filter(pk=int(wanted)).first() or cycles.first()
        except ValueError:
            pass
    return cycles.filter(status=Cycle.Status.ACTIVE).order_by("-start").first() or cycles.first()


def objectives_queryset():
    return Objective.objects.select_related("cycle", "owner_person__profile", "owner_team")


def my_okrs(request):
    cycle = pick_cycle(request)
    objectives: list[Objective] = []
    if cycle is not None:
        reach = access.reach(request.user)
        objectives = list(
            objectives_queryset().filter(
                Q(owner_person=request.user) | Q(owner_team_id__in=reach.member_teams),
                cycle=cycle,
            )
        )
        rollup.annotate(objectives)
    return render(
        request,
        "okrs/my_okrs.html",
        {
            "cycle": cycle,
            "cycles": Cycle.objects.all(),
            "objectives": objectives,
            "expected": (
                math.expected_progress(cycle.start, cycle.end, rollup.today()) if cycle else 0
            ),
        },
    )


def _history(key_results: list[KeyResult]) -> dict[int, list[CheckIn]]:
    history: dict[int, list[CheckIn]] = defaultdict(list)
    entries = CheckIn.objects.filter(key_result__in=key_results).select_related("author__profile")
    for entry in entries:
        if len(history[entry.key_result_id]) < HISTORY_PER_KEY_RESULT:
            history[entry.key_result_id].append(entry)
    return history


def _key_result_context(request, kr: KeyResult, history: list[CheckIn], form=None) -> dict:
    return {
        "kr": kr,
        "history": history,
        "can_check_in": access.can_check_in(request.user, kr),
        "form": form or CheckInForm(initial={"confidence": kr.confidence or 5}),
    }


def objective_detail(request, objective_id: int):
    access.get_objective_for_user(request.user, objective_id)
    return _render_objective(request, objective_id)


def _render_objective(request, objective_id: int, failed=None, status: int = 200):
    """The objective page; `failed` is a (key result id, bound form) to show with its errors."""
    objective = objectives_queryset().select_related("parent", "pillar").get(pk=objective_id)
    children = list(
        access.objectives_visible_to(request.user, objectives_queryset()).filter(parent=objective)
    )
    rollup.annotate([objective, *children])
    history = _history(objective.key_result_list)
    failed_id, failed_form = failed or (None, None)
    cards = [
        _key_result_context(
            request, kr, history[kr.pk], failed_form if kr.pk == failed_id else None
        )
        for kr in objective.key_result_list
    ]
    parent_visible = objective.parent_id and access.can_view_objective(
        request.user, objective.parent
    )
    return render(
        request,
        "okrs/objective.html",
        {
            "objective": objective,
            "children": children,
            "cards": cards,
            "parent": objective.parent if parent_visible else None,
            "can_edit": access.can_edit_objective(request.user, objective),
        },
        status=status,
    )


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
    if not request.htmx:
        if form is None:
            return redirect("objective", objective_id=kr.objective_id)
        return _render_objective(request, kr.objective_id, failed=(kr.pk, form), status=400)
    objective = objectives_queryset().get(pk=kr.objective_id)
    rollup.annotate([objective])
    fresh = next(k for k in objective.key_result_list if k.pk == kr.pk)
    context = _key_result_context(request, fresh, _history([fresh])[fresh.pk], form)
    context["objective"] = objective
    context["oob"] = True
    # HTMX swaps only 2xx answers, so a form with errors comes back as 200 with the errors.
    return render(request, "okrs/check_in_result.html", context)


def weekly_check_in(request):
    raise Http404


def explore(request):
    raise Http404


def alignment_tree(request):
    cycle = pick_cycle(request)
    tree = alignment.build(request.user, cycle) if cycle else None
    return render(
        request,
        "okrs/alignment.html",
        {"cycle": cycle, "cycles": Cycle.objects.all(), "tree": tree},
    )
