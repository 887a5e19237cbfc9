"""Write OKRs: create and edit an objective with its key results on one page.

The page is a plain form that works without JavaScript; HTMX only adds a key result row
and searches parent objectives as you type. Every change goes through `services`, all in
one transaction: if anything is refused, nothing is saved and each message sits by its field.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from stretch import access
from stretch.errors import Conflict
from stretch.okrs import phases, services
from stretch.okrs.forms import KEY_RESULT_PREFIX as PREFIX
from stretch.okrs.forms import (
    MAX_KEY_RESULTS,
    EditorOptions,
    KeyResultForm,
    add_service_errors,
    load_options,
    objective_initial,
    row_initial,
)
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.org.models import Team
from stretch.params import as_int

PARENT_RESULTS = 10
OWNER_ALIASES = {"owner_person": "owner", "owner_team": "owner"}
FOREIGN_KEYS = {"cycle", "owner_person", "owner_team", "parent", "pillar"}
UNCHANGED = object()


def _default_cycle(request, cycles: dict[int, Cycle]) -> Cycle | None:
    """The cycle asked for in ?cycle=, else the active one that started last, else the newest."""
    wanted = cycles.get(as_int(request.GET.get("cycle")) or 0)
    active = [c for c in cycles.values() if c.status == Cycle.Status.ACTIVE]
    if wanted or active:
        return wanted or max(active, key=lambda c: c.start)
    return next(iter(cycles.values()), None)


@require_http_methods(["GET", "POST"])
def new_objective(request):
    options = load_options(request.user, None, [])
    if request.method == "POST":
        return _submit(request, options, None, [])
    if request.htmx and "add_row" in request.GET:
        return _new_row(request, options)
    cycle = _default_cycle(request, options.cycles)
    owner = f"team:{request.GET.get('team')}"
    initial = {
        "cycle": cycle.pk if cycle else None,
        "owner": owner if owner in options.owners else f"person:{request.user.pk}",
        "parent": as_int(request.GET.get("parent")),
        "kind": Objective.Kind.COMMITTED,
        "visibility": Objective.Visibility.PUBLIC,
        # With agreement on, a new objective is a draft until its reviewer agrees it.
        "status": Objective.Status.DRAFT if options.needs_agreement else Objective.Status.ACTIVE,
    }
    form, formset = options.forms(initial=initial, extra=3)
    return _render(request, options, None, form, formset)


@require_http_methods(["GET", "POST"])
def edit_objective(request, objective_id: int):
    objective = access.get_objective_for_user(request.user, objective_id, write=True)
    if not phases.allows(objective.cycle, phases.WRITE):
        # Graded or closed: the objective page says what can still be done (grade, review).
        messages.error(request, phases.refusal(objective.cycle, phases.WRITE))
        return redirect("objective", objective_id=objective.pk)
    key_results = list(objective.key_results.prefetch_related("steps"))
    options = load_options(request.user, objective, key_results)
    if request.method == "POST":
        return _submit(request, options, objective, key_results)
    if request.htmx and "add_row" in request.GET:
        return _new_row(request, options)
    form, formset = options.forms(
        initial=objective_initial(objective), rows=[row_initial(kr) for kr in key_results]
    )
    return _render(request, options, objective, form, formset)


@require_GET
def parent_options(request):
    """The parent choices for a search: HTMX swaps them into the form as you type."""
    cycle = Cycle.objects.filter(pk=as_int(request.GET.get("cycle")) or 0).first()
    parents = _parents(
        request.user,
        cycle,
        request.GET.get("q", "").strip()[:200],
        as_int(request.GET.get("parent")),
        as_int(request.GET.get("exclude")),
    )
    return render(request, "okrs/edit.html#parent-options", {"parents": parents, "oob": True})


def _parents(user, cycle: Cycle | None, query: str, selected_id: int | None, exclude) -> dict:
    """Objectives `user` may see in a cycle covering `cycle`, the chosen one first."""
    visible = access.objectives_visible_to(
        user, Objective.objects.select_related("cycle", "owner_person__profile", "owner_team")
    )
    selected = visible.filter(pk=selected_id).first() if selected_id else None
    found: list[Objective] = []
    if cycle is not None:
        candidates = visible.filter(
            cycle__start__lte=cycle.start, cycle__end__gte=cycle.end
        ).exclude(status=Objective.Status.CLOSED)
        if query:
            candidates = candidates.filter(title__icontains=query)
        for pk in {exclude, selected_id} - {None}:
            candidates = candidates.exclude(pk=pk)
        found = list(candidates.order_by("cycle__start", "id")[: PARENT_RESULTS + 1])
    return {
        "selected": selected,
        "selected_id": selected_id,
        "options": found[:PARENT_RESULTS],
        "more": len(found) > PARENT_RESULTS,
        "query": query,
        "cycle": cycle,
    }


def _render(request, options, objective, form, formset, *, status=200, conflict="", query=""):
    cycle = options.cycles.get(as_int(form["cycle"].value()) or 0)
    parent_id = as_int(form["parent"].value())
    parents = _parents(request.user, cycle, query, parent_id, objective.pk if objective else None)
    context = {
        "objective": objective,
        "form": form,
        "formset": formset,
        "rows": sorted(formset.forms, key=_shown_position),
        "parents": parents,
        "conflict": conflict,
        "invalid": status == 400,
        "max_rows": MAX_KEY_RESULTS,
        "needs_agreement": (objective is None or objective.status == Objective.Status.DRAFT)
        and options.needs_agreement,
    }
    return render(request, "okrs/edit.html", context, status=status)


def _shown_position(row) -> tuple[bool, int]:
    """Rows come back in the order their position numbers give, as the person arranged them."""
    order = as_int(row["ORDER"].value())
    return (order is None, order or 0)


def _new_row(request, options: EditorOptions) -> HttpResponse:
    """One more blank key result row for HTMX, and the formset's new row count."""
    index = as_int(request.GET.get(f"{PREFIX}-TOTAL_FORMS"))
    if index is None or not 0 <= index < MAX_KEY_RESULTS:
        return render(request, "okrs/edit.html#kr-row-refused", {"max_rows": MAX_KEY_RESULTS})
    _form, formset = options.forms()
    row = formset.form(
        prefix=formset.add_prefix(index),
        empty_permitted=True,
        use_required_attribute=False,
        **formset.get_form_kwargs(index),
    )
    formset.add_fields(row, None)
    context = {"row": row, "number": index + 1, "total": index + 1, "formset": formset}
    return render(request, "okrs/edit.html#kr-row-added", context)


def _quiet(form, formset) -> None:
    """Show what was posted again without judging it: a refresh, not a save."""
    for each in (form, *formset.forms):
        each.errors.clear()
    formset.non_form_errors().clear()


def _submit(request, options: EditorOptions, objective, key_results: list[KeyResult]):
    query = request.POST.get("q", "").strip()[:200]
    if "add_row" in request.POST or "search_parents" in request.POST:
        # Without JavaScript, adding a row or searching parents posts the form to show it again.
        data = request.POST.copy()
        total = as_int(data.get(f"{PREFIX}-TOTAL_FORMS")) or 0
        if "add_row" in data and total < MAX_KEY_RESULTS:
            data[f"{PREFIX}-TOTAL_FORMS"] = str(total + 1)
            for name, field in KeyResultForm.base_fields.items():
                if field.initial is not None:
                    data[f"{PREFIX}-{total}-{name}"] = str(field.initial)
        form, formset = options.forms(data)
        _quiet(form, formset)
        return _render(request, options, objective, form, formset, query=query)
    form, formset = options.forms(request.POST)
    form.is_valid()
    formset.is_valid()
    try:
        saved = _save(request.user, options, objective, key_results, form, formset)
    except Conflict as conflict:
        return _conflict(request, options, objective, conflict, query)
    if saved is None:
        return _render(request, options, objective, form, formset, status=400, query=query)
    if objective is None:
        messages.success(request, _("Objective “%(title)s” created.") % {"title": saved.title})
    else:
        messages.success(request, _("Objective “%(title)s” saved.") % {"title": saved.title})
    return redirect("objective", objective_id=saved.pk)


class _Refused(Exception):
    """Leaves the transaction, so nothing of a partly refused save is kept."""


def _save(actor, options, objective, key_results, form, formset) -> Objective | None:
    """Save the objective and every key result row, or nothing; None when anything failed."""
    try:
        with transaction.atomic():
            if form.is_valid():
                try:
                    objective = _save_objective(actor, options, objective, form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(form, error, OWNER_ALIASES)
            if objective is not None and objective.pk is not None:
                reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
                _save_key_results(actor, options, objective, key_results, formset, form, reason)
            if not (form.is_valid() and formset.is_valid()):
                raise _Refused
    except _Refused:
        return None
    return objective


def _save_objective(actor, options: EditorOptions, objective, data: dict) -> Objective:
    owner = options.owners[data["owner"]]
    fields = {
        "title": data["title"],
        "description": data["description"],
        "strategy": data["strategy"],
        "cycle": options.cycles[data["cycle"]],
        "pillar": options.pillars.get(data["pillar"]),
        "kind": data["kind"],
        "visibility": data["visibility"],
        "status": data["status"],
        "owner_team" if isinstance(owner, Team) else "owner_person": owner,
    }
    parent_id = data["parent"]
    if objective is not None and parent_id == objective.parent_id:
        fields["parent"] = UNCHANGED  # kept even when the editor may not see it
    elif parent_id is not None:
        fields["parent"] = access.get_objective_for_user(actor, parent_id, field="parent")
    else:
        fields["parent"] = None
    if objective is None:
        return services.create_objective(actor, **fields)
    changes = {
        name: value
        for name, value in fields.items()
        if value is not UNCHANGED and _differs(objective, name, value)
    }
    if not changes:
        return objective
    return services.update_objective(
        actor, objective, changes, expected_version=data["version"], reason=data["reason"]
    )


def _differs(obj, name: str, value) -> bool:
    if name in FOREIGN_KEYS or name == "owner":
        return getattr(obj, f"{name}_id") != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def _rows_in_order(formset) -> list:
    """The rows that say something, sorted by their position number (blank ones last)."""
    rows = [
        (index, row)
        for index, row in enumerate(formset.forms)
        if row.has_changed() or as_int(row["id"].value()) is not None
    ]

    def position(item):
        index, row = item
        order = getattr(row, "cleaned_data", {}).get("ORDER")
        return (order is None, order or 0, index)

    return [row for _index, row in sorted(rows, key=position)]


def _key_result_fields(data: dict, objective: Objective, options: EditorOptions, actor):
    """The service's fields for one row; a milestone ignores the numbers, a metric the steps."""
    default_owner = objective.owner_person_id or actor.pk
    fields = {
        "title": data["title"],
        "kind": data["kind"],
        "unit": data["unit"],
        "weight": data["weight"],
        "owner": options.people.get(data["owner"] or default_owner, actor),
        "kpi": data.get("kpi"),
    }
    if data.get("kpi_factor") is not None:  # a stated conversion from the KPI's unit
        fields["kpi_factor"] = data["kpi_factor"]
    steps: list[dict] = []
    if data["kind"] == KeyResult.Kind.MILESTONE:
        steps = data["steps"]
    elif data["direction"] == KeyResult.Direction.RANGE:
        fields.update(direction=data["direction"], range_low=data["range_low"])
        fields.update(range_high=data["range_high"])
    else:
        fields.update(direction=data["direction"], start=data["start"], target=data["target"])
        fields.update(range_low=None, range_high=None)
    return fields, steps


def _save_key_results(actor, options, objective, key_results, formset, form, reason) -> None:
    stored = {kr.pk: kr for kr in key_results}
    order: list[int] = []
    for row in _rows_in_order(formset):
        data = getattr(row, "cleaned_data", {})
        kr_id = data.get("id")
        if kr_id is not None and kr_id not in stored:
            raise Conflict(_("A key result on this page was removed by someone else."), objective)
        if data.get("DELETE"):
            if kr_id is not None:
                try:
                    services.delete_key_result(actor, stored[kr_id])
                except ValidationError as error:
                    add_service_errors(row, error)
            continue
        if kr_id is not None:
            order.append(kr_id)
        if not row.is_valid():
            continue
        fields, steps = _key_result_fields(data, objective, options, actor)
        try:
            if kr_id is None:
                created = services.create_key_result(
                    actor, objective, steps=steps, position=len(order), **fields
                )
                order.append(created.pk)
            else:
                _update_key_result(actor, stored[kr_id], fields, steps, data["version"], reason)
        except ValidationError as error:
            if "reason" in error.message_dict:
                # The reason is asked once, for the whole save, on the objective's form.
                if not form.has_error("reason"):
                    form.add_error("reason", error.message_dict.pop("reason"))
                error = ValidationError(error.message_dict) if error.message_dict else None
            if error is not None:
                add_service_errors(row, error)
    if formset.is_valid() and order != [kr.pk for kr in key_results if kr.pk in set(order)]:
        services.reorder_key_results(actor, objective, order)


def _update_key_result(
    actor, kr: KeyResult, fields: dict, steps: list[dict], version, reason: str
) -> None:
    changes = {name: value for name, value in fields.items() if _differs(kr, name, value)}
    old_steps = [(step.title, step.weight) for step in kr.steps.all()]
    if changes:
        kr = services.update_key_result(actor, kr, changes, expected_version=version, reason=reason)
        version = None  # our own update moved the version on
    if old_steps != [(step["title"], step["weight"]) for step in steps]:
        services.set_milestone_steps(actor, kr, steps, expected_version=version)


def _conflict(request, options, objective, conflict: Conflict, query: str):
    """Keep the input; take on the current versions, so saving again keeps this version."""
    data = request.POST.copy()
    versions: dict[int, int] = {}
    if objective is not None:
        data["version"] = str(
            Objective.objects.values_list("version", flat=True).get(pk=objective.pk)
        )
        versions = dict(KeyResult.objects.filter(objective=objective).values_list("pk", "version"))
    for index in range(min(as_int(data.get(f"{PREFIX}-TOTAL_FORMS")) or 0, MAX_KEY_RESULTS)):
        kr_id = as_int(data.get(f"{PREFIX}-{index}-id"))
        if kr_id is not None:
            data[f"{PREFIX}-{index}-version"] = str(versions.get(kr_id, ""))
            if kr_id not in versions:
                data[f"{PREFIX}-{index}-id"] = ""  # removed meanwhile: saving adds it again
    form, formset = options.forms(data)
    _quiet(form, formset)
    return _render(
        request,
        options,
        objective,
        form,
        formset,
        status=409,
        conflict=conflict.message,
        query=query,
    )
