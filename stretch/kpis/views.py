"""KPI boards: the company's and each team's, with the form to add a KPI; and what the KPI
pages share (the band in words, reading the KPI form). One KPI's page is `kpi_views`.

The views read the request and find things; `stretch.kpis.services` decides and changes.
Every form works without JavaScript (it posts, then comes back with a message); a refused
form shows the page again with what was typed and the problem beside its field (status 400).
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.kpis import charts, services
from stretch.kpis.health import Band
from stretch.kpis.models import Kpi
from stretch.okrs.formatting import number
from stretch.org.models import Team
from stretch.params import as_int

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


def errors_of(error: ValidationError) -> dict[str, str]:
    """A refusal by field ("general" for the whole form), each field's messages in one line."""
    if not hasattr(error, "error_dict"):
        return {"general": " ".join(error.messages)}
    return {
        ("general" if field in ("__all__", "kpi") else field): " ".join(found)
        for field, found in error.message_dict.items()
    }


def read_number(data, name: str, problems: dict[str, str]) -> float | None:
    text = (data.get(name) or "").strip().replace(" ", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        problems[name] = _("Enter a number.")
        return None


def kpi_fields(data) -> dict:
    """The KPI form's fields as the service takes them; a ValidationError for a number or
    an owner that cannot be read."""
    problems: dict[str, str] = {}
    fields: dict = {name: read_number(data, name, problems) for name in LIMITS}
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


def form_context(request, *, teams: list[Team], errors: dict | None, form: str, kpi=None):
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


def board_filters(request, team: Team | None = None) -> tuple[Team | None, str]:
    """The team a board shows (its own, or ?team= on the company's) and ?health=."""
    health = request.GET.get("health") if request.GET.get("health") in HEALTHS else ""
    return team or _team_filter(request), health or ""


def board_kpis(user, shown_team: Team | None, health: str) -> tuple[list[Kpi], dict[str, int]]:
    """The board's KPIs under its filters, in its order, and how many there are of each
    health before the health filter (the page and its CSV download)."""
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
    return kpis, counts


def _board(request, *, team: Team | None = None, errors=None, status=200):
    user = request.user
    shown_team, health = board_filters(request, team)
    kpis, counts = board_kpis(user, shown_team, health)
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
        "form": form_context(request, teams=teams, errors=errors, form="new") if teams else None,
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "kpis/board.html", context, status=status)


def _add(request, team: Team | None):
    data = request.POST
    try:
        fields = kpi_fields(data)
        target = team or access.get_team(as_int(data.get("team"), -1), field="team")
        made = services.create_kpi(request.user, team=target, **fields)
    except ValidationError as error:
        return _board(request, team=team, errors=errors_of(error), status=400)
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
