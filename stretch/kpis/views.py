"""KPI pages: the company's board and each team's, and one KPI with its trend against its
band, its health history, its measurements (one by one or from a CSV file), the key results
that follow it and the recovery objective made when it stays red.

The views read the request and find things; `stretch.kpis.services` decides and changes.
Every form works without JavaScript (it posts, then comes back with a message); a refused
form shows the page again with what was typed and the problem beside its field (status 400).
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
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
from stretch.okrs import rollup
from stretch.okrs.formatting import number
from stretch.okrs.models import Cycle, Objective
from stretch.org.models import Team, display_name
from stretch.params import as_int

HISTORY_PER_PAGE = 25
CHART_POINTS = 104  # two years of weekly measurements on the page's chart
ARCHIVED_LISTED = 100  # archived KPIs named under a board
PEOPLE_LISTED = 300  # the owner list of the KPI form stays short, however big the company
# A KPI is stale when its newest measurement is older than its cadence allows.
STALE_AFTER_DAYS = {"weekly": 7, "monthly": 31, "quarterly": 92}
HEALTHS = ("red", "yellow", "green", "none")  # the board's order
LIMITS = ("green", "red", "green_low", "green_high", "red_low", "red_high")


# Words and numbers -------------------------------------------------------------------------


def with_unit(value: float | None, unit: str) -> str:
    """A value as people read it, with its unit: "99.5 %", "240 ms", "12"."""
    return f"{number(value)} {unit}" if unit and value is not None else number(value)


def band_words(kpi: Kpi) -> str:
    """The band in a sentence: "Green at or above 95 %, red below 90 %"."""

    def n(value):
        return with_unit(value, kpi.unit)

    if kpi.band == Kpi.Band.ABOVE:
        return _("Green at or above %(green)s, red below %(red)s") % {
            "green": n(kpi.green),
            "red": n(kpi.red),
        }
    if kpi.band == Kpi.Band.BELOW:
        return _("Green at or below %(green)s, red above %(red)s") % {
            "green": n(kpi.green),
            "red": n(kpi.red),
        }
    return _("Green from %(low)s to %(high)s, red below %(red_low)s or above %(red_high)s") % {
        "low": number(kpi.green_low),
        "high": n(kpi.green_high),
        "red_low": number(kpi.red_low),
        "red_high": n(kpi.red_high),
    }


def is_stale(kpi: Kpi, today: date) -> bool:
    """Not measured within its cadence (a KPI never measured is "not measured yet" instead)."""
    if kpi.latest_date is None:
        return False
    return (today - kpi.latest_date).days > STALE_AFTER_DAYS.get(kpi.cadence, 7)


# Reading the request -----------------------------------------------------------------------


def _errors(error: ValidationError) -> dict[str, str]:
    """A refusal by field ("general" for the whole form), each field's messages in one line."""
    if not hasattr(error, "error_dict"):
        return {"general": " ".join(error.messages)}
    return {
        ("general" if field in ("__all__", "kpi") else field): " ".join(found)
        for field, found in error.message_dict.items()
    }


def _number(data, name: str, problems: dict[str, str]) -> float | None:
    text = (data.get(name) or "").strip().replace(" ", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        problems[name] = _("Enter a number.")
        return None


def _kpi_fields(data) -> dict:
    """The KPI form's fields as the service takes them; a ValidationError for a number or
    an owner that cannot be read."""
    problems: dict[str, str] = {}
    fields: dict = {name: _number(data, name, problems) for name in LIMITS}
    owner_id = as_int(data.get("owner"))
    fields["owner"] = None
    if owner_id is not None:
        fields["owner"] = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
        if fields["owner"] is None:
            problems["owner"] = _("No person with id %(id)s.") % {"id": owner_id}
    if problems:
        raise ValidationError(problems)
    for name in ("name", "unit", "description", "band", "cadence"):
        fields[name] = (data.get(name) or "").strip()
    return fields


def _team_filter(request) -> Team | None:
    pk = as_int(request.GET.get("team"))
    return Team.objects.filter(pk=pk).first() if pk is not None else None


# What the pages show -----------------------------------------------------------------------


def _managed(user, teams: list[Team]) -> list[Team]:
    """Those of `teams` whose KPIs `user` may add."""
    return [t for t in teams if services.may_manage(user, t)]


def _people(user, teams: list[Team], owner_id: int | None = None) -> list:
    """Whom the KPI form offers as owner: the people of `teams`, the user and the KPI's
    owner now (who may belong elsewhere)."""
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(memberships__team__in=teams) | Q(pk__in=[user.pk, owner_id or user.pk]))
        .distinct()
        .select_related("profile")
        .order_by("profile__display_name", "username")
    )
    return list(people[:PEOPLE_LISTED])


def _limit_labels() -> dict[str, list[tuple[str, str]]]:
    return {
        "threshold": [("green", _("Green limit")), ("red", _("Red limit"))],
        "within": [
            ("red_low", _("Red below")),
            ("green_low", _("Green from")),
            ("green_high", _("Green up to")),
            ("red_high", _("Red above")),
        ],
    }


def _form_context(request, *, teams: list[Team], errors: dict | None, form: str, kpi=None):
    """The KPI form: the posted data after a refusal, else the KPI's own values (or blanks)."""
    failed = errors is not None and request.POST.get("form") == form
    if failed:
        data = request.POST
    elif kpi is not None:
        data = {name: getattr(kpi, name) for name in ("name", "unit", "description", "band")}
        data |= {
            name: "" if getattr(kpi, name) is None else number(getattr(kpi, name))
            for name in LIMITS
        }
        data |= {"cadence": kpi.cadence, "owner": str(kpi.owner_id or ""), "version": kpi.version}
    else:
        data = {
            "band": Kpi.Band.ABOVE,
            "cadence": Kpi.Cadence.WEEKLY,
            "owner": str(request.user.pk),
        }
    errors = (errors or {}) if failed else {}
    return {
        "data": data,
        "errors": errors,
        "limits": {
            group: [
                {"name": name, "label": label, "value": data.get(name), "error": errors.get(name)}
                for name, label in names
            ]
            for group, names in _limit_labels().items()
        },
        "people": _people(request.user, teams, kpi.owner_id if kpi is not None else None),
        "teams": teams,
        "bands": Kpi.Band.choices,
        "cadences": Kpi.Cadence.choices,
    }


def _board(request, *, team: Team | None = None, errors=None, status=200):
    user = request.user
    shown_team = team or _team_filter(request)
    health = request.GET.get("health") if request.GET.get("health") in HEALTHS else ""
    kpis = services.board(user, team=shown_team)
    today = timezone.localdate()
    counts = {colour: 0 for colour in HEALTHS}
    for kpi in kpis:
        kpi.spark = charts.sparkline(Band.of(kpi), kpi.trend)
        kpi.stale = is_stale(kpi, today)
        kpi.latest_text = with_unit(kpi.latest_value, kpi.unit)
        kpi.recovering = services.open_recovery(kpi) is not None
        counts[kpi.health or "none"] += 1
    if health:
        kpis = [kpi for kpi in kpis if (kpi.health or "none") == health]
    # The ones that need attention first: red, yellow, green, then those not measured.
    kpis.sort(key=lambda kpi: (HEALTHS.index(kpi.health or "none"), kpi.name.casefold()))
    archived = services.visible_kpis(user, archived=True).order_by("name", "id")
    if shown_team is not None:
        below = access.descendants({shown_team.pk}, Team.objects.all())
        archived = archived.filter(team_id__in={shown_team.pk} | below)
    all_teams = list(Team.objects.order_by("name", "id")) if team is None else []
    teams = _managed(user, [team] if team is not None else all_teams)
    context = {
        "team": team,
        "shown_team": shown_team,
        "health": health,
        "kpis": kpis,
        "counts": counts,
        "all_teams": all_teams,
        "archived": list(archived[:ARCHIVED_LISTED]),
        "form": _form_context(request, teams=teams, errors=errors, form="new") if teams else None,
    }
    return render(request, "kpis/board.html", context, status=status)


def _add(request, team: Team | None):
    data = request.POST
    try:
        fields = _kpi_fields(data)
        target = team or access.get_team(as_int(data.get("team"), -1), field="team")
        made = services.create_kpi(request.user, team=target, **fields)
    except ValidationError as error:
        return _board(request, team=team, errors=_errors(error), status=400)
    messages.success(request, _("KPI “%(name)s” added.") % {"name": made.name})
    return redirect("kpi", made.pk)


def company_board(request):
    if request.method == "POST":
        return _add(request, None)
    return _board(request)


def team_board(request, team_id: int):
    team = access.get_team(team_id)
    if request.method == "POST":
        return _add(request, team)
    return _board(request, team=team)


# One KPI -----------------------------------------------------------------------------------


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
        context["edit"] = _form_context(request, teams=teams, errors=errors, form="edit", kpi=kpi)
    if recovery_due and manage:
        context |= _recovery_form(user, kpi)
    return render(request, "kpis/kpi.html", context, status=status)


def kpi_page(request, kpi_id: int):
    return render_kpi(request, kpi_id)


@require_POST
def edit(request, kpi_id: int):
    kpi = services.get_kpi(request.user, kpi_id)
    try:
        fields = _kpi_fields(request.POST)
        services.update_kpi(
            request.user, kpi, version=as_int(request.POST.get("version")), **fields
        )
    except ValidationError as error:
        return render_kpi(request, kpi_id, errors=_errors(error), status=400)
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
        value = _number(data, "value", problems)
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
        return render_kpi(request, kpi_id, errors=_errors(refusal), status=400)
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
        target = _number(data, "target", problems)
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
        return render_kpi(request, kpi_id, errors=_errors(error), status=400)
    messages.success(
        request,
        _("Recovery objective “%(title)s” created: its key result follows the KPI.")
        % {"title": objective.title},
    )
    return redirect("objective", objective.pk)
