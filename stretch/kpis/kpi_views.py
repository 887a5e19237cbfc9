"""One KPI's page: its trend against its band, its health history, its measurements (one
by one or from a CSV file), the key results that follow it, the recovery objective made when
it stays red, and the forms that change it. The boards and the KPI form are in `views`.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stretch import access
from stretch.errors import Conflict
from stretch.kpis import charts, services
from stretch.kpis.health import RED_STREAK_FOR_RECOVERY, Band
from stretch.kpis.models import Kpi
from stretch.kpis.views import (
    band_words,
    errors_of,
    form_context,
    is_stale,
    kpi_fields,
    read_number,
    with_unit,
)
from stretch.okrs import rollup
from stretch.okrs.formatting import number
from stretch.okrs.models import Cycle, Objective
from stretch.org.models import display_name
from stretch.params import as_int

HISTORY_PER_PAGE = 25
CHART_POINTS = 104  # two years of weekly measurements on the page's chart


def _following(user, kpi: Kpi) -> list:
    """The key results that follow the KPI and that `user` may see, with their progress."""
    found = list(
        access.key_results_visible_to(user, rollup.key_results_query().filter(kpi=kpi))
        .select_related("objective__cycle")
        .prefetch_related("steps")
        .order_by("-objective__cycle__start", "id")
    )
    for kr in found:
        rollup.annotate_key_result(kr, rollup.expected_for(kr.objective.cycle), kr.objective.cycle)
    return found


def _recovery(user, kpi: Kpi) -> Objective | None:
    if kpi.recovery_id is None:
        return None
    queryset = Objective.objects.select_related("cycle", "owner_person__profile", "owner_team")
    found = access.objectives_visible_to(user, queryset).filter(pk=kpi.recovery_id).first()
    if found is not None:
        rollup.annotate([found])
    return found


def _recovery_form(user, kpi: Kpi) -> dict:
    """The recovery form: the draft, the cycles it may go in, and the owners `user` may
    give it (the KPI's owner, its team) as `access.can_own` allows."""
    draft = services.recovery_draft(kpi)
    owners = []
    if kpi.owner is not None and access.can_own(user, owner_person=kpi.owner):
        owners.append(("person", display_name(kpi.owner)))
    if access.can_own(user, owner_team=kpi.team):
        owners.append(("team", kpi.team.name))
    if not owners and access.can_own(user, owner_person=user):
        owners.append(("me", display_name(user)))
    chosen = "person" if draft["owner_person"] is not None else "team"
    return {
        "draft": draft,
        "draft_start": with_unit(draft["key_result"]["start"], kpi.unit),
        "draft_target": number(draft["key_result"]["target"]),
        "owners": owners,
        "draft_owner": chosen if chosen in dict(owners) else owners[0][0] if owners else "",
        "cycles": Cycle.objects.exclude(status=Cycle.Status.CLOSED).order_by("-start", "-id"),
    }


def render_kpi(request, kpi_id: int, *, errors=None, status=200):
    """The KPI page; `errors` are those of the form named by the posted `form` field."""
    user = request.user
    kpi = services.get_kpi(user, kpi_id)
    readings = services.history(kpi, limit=CHART_POINTS)
    today = timezone.localdate()
    chart = charts.build(Band.of(kpi), [(m.date, m.value) for m in readings], today=today)
    dots = [(dot, readings[dot.index]) for dot in chart.dots]
    history = kpi.measurements.select_related("author__profile")
    page = Paginator(history, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    for measurement in [*readings, *page]:
        measurement.value_text = with_unit(measurement.value, kpi.unit)
    manage = services.may_manage(user, kpi)
    posted = request.POST.get("form") if errors is not None else None
    recovery_due = (
        kpi.health == "red"
        and kpi.red_streak >= RED_STREAK_FOR_RECOVERY
        and services.open_recovery(kpi) is None
    )
    context = {
        "kpi": kpi,
        "band_text": band_words(kpi),
        "latest_text": with_unit(kpi.latest_value, kpi.unit),
        "stale": is_stale(kpi, today),
        "chart": chart,
        "dots": dots,
        "page": page,
        "may_manage": manage,
        "may_measure": manage and not kpi.archived,
        "following": _following(user, kpi),
        "recovery": _recovery(user, kpi),
        "recovery_due": recovery_due,
        "posted": posted,
        "errors": (errors or {}) if posted else {},
        "data": request.POST if posted else {},
        "today": today,
    }
    if manage:
        teams = [kpi.team]
        context["edit"] = form_context(request, teams=teams, errors=errors, form="edit", kpi=kpi)
    if recovery_due and manage:
        context |= _recovery_form(user, kpi)
    return render(request, "kpis/kpi.html", context, status=status)


def kpi_page(request, kpi_id: int):
    return render_kpi(request, kpi_id)


@require_POST
def edit(request, kpi_id: int):
    kpi = services.get_kpi(request.user, kpi_id)
    try:
        fields = kpi_fields(request.POST)
        services.update_kpi(
            request.user, kpi, version=as_int(request.POST.get("version")), **fields
        )
    except ValidationError as error:
        return render_kpi(request, kpi_id, errors=errors_of(error), status=400)
    except Conflict as conflict:
        message = _("%(why)s The page now shows the KPI as it is; make your change again.")
        messages.error(request, message % {"why": conflict.message})
        return redirect("kpi", kpi_id)
    messages.success(request, _("Saved the KPI."))
    return redirect("kpi", kpi_id)


@require_POST
def archive(request, kpi_id: int):
    kpi = services.get_kpi(request.user, kpi_id)
    archived = request.POST.get("archived") != "0"
    services.archive_kpi(request.user, kpi, archived=archived)
    if archived:
        messages.success(
            request, _("Archived “%(name)s”: it leaves the boards.") % {"name": kpi.name}
        )
    else:
        messages.success(request, _("“%(name)s” is back on the boards.") % {"name": kpi.name})
    return redirect("kpi", kpi_id)


def _told(request, kpi: Kpi) -> None:
    """After new measurements: what the KPI's health is now, and what is due when red."""
    kpi.refresh_from_db()
    due = kpi.health == "red" and kpi.red_streak >= RED_STREAK_FOR_RECOVERY
    if due and services.open_recovery(kpi) is None:
        messages.warning(
            request,
            _("The KPI has been red %(n)s times in a row: time for a recovery objective.")
            % {"n": kpi.red_streak},
        )


@require_POST
def measure(request, kpi_id: int):
    kpi = services.get_kpi(request.user, kpi_id)
    data = request.POST
    try:
        problems: dict[str, str] = {}
        value = read_number(data, "value", problems)
        if value is None and "value" not in problems:
            problems["value"] = _("Enter the value measured.")
        when = parse_date(data.get("date") or "") if data.get("date") else timezone.localdate()
        if when is None:
            problems["date"] = _("Enter a date as YYYY-MM-DD.")
        if problems:
            raise ValidationError(problems)
        made = services.add_measurement(
            request.user, kpi, value=value, date=when, note=(data.get("note") or "").strip()
        )
    except (ValidationError, ValueError) as error:
        refusal = (
            error if isinstance(error, ValidationError) else ValidationError({"date": str(error)})
        )
        return render_kpi(request, kpi_id, errors=errors_of(refusal), status=400)
    messages.success(
        request,
        _("Measured %(value)s on %(date)s.")
        % {"value": with_unit(made.value, kpi.unit), "date": made.date.isoformat()},
    )
    _told(request, kpi)
    return redirect(reverse("kpi", args=[kpi_id]) + "#history")


@require_POST
def upload(request, kpi_id: int):
    kpi = services.get_kpi(request.user, kpi_id)
    sent = request.FILES.get("file")
    try:
        if sent is None:
            raise ValidationError({"file": [_("Choose a CSV file to upload.")]})
        made = services.import_measurements(request.user, kpi, sent.read())
    except ValidationError as error:
        lines = error.message_dict.get("file") if hasattr(error, "error_dict") else error.messages
        refusal = {"file_lines": lines or error.messages}
        return render_kpi(request, kpi_id, errors=refusal, status=400)
    messages.success(
        request,
        _("Imported %(n)s measurements.") % {"n": len(made)},
    )
    _told(request, kpi)
    return redirect(reverse("kpi", args=[kpi_id]) + "#history")


@require_POST
def delete_measurement(request, kpi_id: int, measurement_id: int):
    kpi = services.get_kpi(request.user, kpi_id)
    found = kpi.measurements.filter(pk=measurement_id).first()
    if found is None:
        raise Http404(_("No measurement with id %(id)s.") % {"id": measurement_id})
    services.delete_measurement(request.user, found)
    messages.success(
        request, _("Deleted the measurement of %(date)s.") % {"date": found.date.isoformat()}
    )
    return redirect(reverse("kpi", args=[kpi_id]) + "#history")


@require_POST
def recover(request, kpi_id: int):
    kpi = services.get_kpi(request.user, kpi_id)
    data = request.POST
    try:
        problems: dict[str, str] = {}
        target = read_number(data, "target", problems)
        cycle_id = as_int(data.get("cycle"))
        cycle = access.get_cycle(cycle_id, field="cycle") if cycle_id is not None else None
        if problems:
            raise ValidationError(problems)
        objective = services.create_recovery(
            request.user,
            kpi,
            cycle=cycle,
            title=(data.get("title") or "").strip() or None,
            target=target,
        )
    except ValidationError as error:
        return render_kpi(request, kpi_id, errors=errors_of(error), status=400)
    messages.success(
        request,
        _("Recovery objective “%(title)s” created: its key result follows the KPI.")
        % {"title": objective.title},
    )
    return redirect("objective", objective.pk)
