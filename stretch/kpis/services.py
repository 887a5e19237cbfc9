"""Every change to KPIs and their measurements goes through here, and the reads pages and
the API share.

KPIs are public inside the company: every signed-in person reads all of them. A KPI is
looked after (changed, measured, archived) by its owner, the leads of its team or of a team
above it, and administrators (`access.can_manage_kpi`).

A measurement is stored with the health the band gave it then; those stay as they were when
the band changes later (that is the KPI's health history), while the KPI's own `health` is
its latest value judged by the band as it is now. `red_streak` counts the newest
measurements in a row that were red when entered.

What a stored measurement causes is in `measuring`; recovery objectives are in `recovery`
(`recovery_draft` and `create_recovery` are reached from here too).
"""

import math
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stretch import access
from stretch.kpis import csv_import, health, measuring
from stretch.kpis.models import Kpi, Measurement
from stretch.kpis.recovery import create_recovery as create_recovery
from stretch.kpis.recovery import current_cycle as current_cycle
from stretch.kpis.recovery import open_recovery as open_recovery
from stretch.kpis.recovery import recovery_draft as recovery_draft
from stretch.okrs import services as okrs
from stretch.okrs.models import KeyResult
from stretch.org.models import Team

LIMITS = ("green", "red", "green_low", "green_high", "red_low", "red_high")
THRESHOLD_LIMITS, RANGE_LIMITS = LIMITS[:2], LIMITS[2:]
FIELDS = {"team", "name", "unit", "band", "description", "owner", "cadence", "archived", *LIMITS}
BAND_FIELDS = {"band", *LIMITS}
TREND_LENGTH = 12  # measurements a board's sparkline shows
FLAT = 0.05  # a trend moving less than 5% of its band's width (or values' size) is flat
MAX_NOTE = 500
LIMIT_LABELS = {
    "green": gettext_lazy("green"),
    "red": gettext_lazy("red"),
    "green_low": gettext_lazy("lower green"),
    "green_high": gettext_lazy("upper green"),
    "red_low": gettext_lazy("lower red"),
    "red_high": gettext_lazy("upper red"),
}
ORDER_MESSAGES = {
    ("red", "above_order"): gettext_lazy("The red limit must not be above the green one."),
    ("red", "below_order"): gettext_lazy("The red limit must not be below the green one."),
    ("green_low", "within_order"): gettext_lazy(
        "The lower green limit must not be below the lower red one."
    ),
    ("green_high", "within_order"): gettext_lazy(
        "The upper green limit must not be below the lower green one."
    ),
    ("red_high", "within_order"): gettext_lazy(
        "The upper red limit must not be below the upper green one."
    ),
}

# Reads --------------------------------------------------------------------------------------


def visible_kpis(user, *, archived: bool | None = False) -> QuerySet:
    """Every KPI for a signed-in person (archived ones with archived=True, all with None)."""
    if not user.is_authenticated:
        return Kpi.objects.none()
    queryset = Kpi.objects.select_related("team", "owner__profile", "recovery__cycle")
    return queryset if archived is None else queryset.filter(archived=archived)


def get_kpi(user, pk, *, field: str | None = None) -> Kpi:
    """The KPI `pk` (archived or not): a 404, or with `field` a 400 naming that field."""
    found = visible_kpis(user, archived=None).filter(pk=pk).first()
    if found is None:
        message = _("No KPI with id %(id)s.") % {"id": pk}
        raise ValidationError({field: message}) if field else Http404(message)
    return found


def may_manage(user, kpi_or_team: Kpi | Team) -> bool:
    return access.can_manage_kpi(user, kpi_or_team)


def history(kpi: Kpi, *, limit: int | None = None) -> list[Measurement]:
    """The KPI's measurements oldest first (the newest `limit` of them)."""
    newest = kpi.measurements.order_by("-date", "-id")
    return list(newest[:limit] if limit is not None else newest)[::-1]


def trend_direction(values: list[float], band: health.Band | None = None) -> str:
    """up, down or flat: the sign of the least-squares slope over the values (oldest first),
    flat when the line moves less than FLAT of a yardstick across them: the band's width
    (green to red, or red low to red high) when it has one, else the values' size."""
    n = len(values)
    if n < 2:
        return "flat"
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / sum(
        (x - mean_x) ** 2 for x in range(n)
    )
    size = _yardstick(band) or max(abs(v) for v in values) or 1.0
    if abs(slope * (n - 1)) <= FLAT * size:
        return "flat"
    return "up" if slope > 0 else "down"


def _yardstick(band: health.Band | None) -> float:
    if band is None:
        return 0.0
    if band.kind == health.WITHIN and band.red_low is not None and band.red_high is not None:
        return band.red_high - band.red_low
    if band.green is not None and band.red is not None:
        return abs(band.green - band.red)
    return 0.0


def board(user, *, team: Team | None = None) -> list[Kpi]:
    """The KPIs not archived (of `team` and the teams below it, or all), each with `.trend`,
    the values of its last 12 measurements oldest first, and `.trend_direction`. A few
    queries whatever the number of KPIs and measurements (one per level of teams below)."""
    queryset = visible_kpis(user)
    if team is not None:
        teams = {team.pk} | access.descendants({team.pk}, Team.objects.all())
        queryset = queryset.filter(team_id__in=teams)
    kpis = list(queryset)
    trends: dict[int, list[float]] = defaultdict(list)
    if kpis:
        newest_first = Window(
            RowNumber(), partition_by=[F("kpi_id")], order_by=[F("date").desc(), F("id").desc()]
        )
        rows = (
            Measurement.objects.filter(kpi_id__in=[k.pk for k in kpis])
            .annotate(rank=newest_first)
            .filter(rank__lte=TREND_LENGTH)
            .order_by("kpi_id", "date", "id")
            .values_list("kpi_id", "value")
        )
        for kpi_id, value in rows:
            trends[kpi_id].append(value)
    for kpi in kpis:
        kpi.trend = trends[kpi.pk]
        kpi.trend_direction = trend_direction(kpi.trend, health.Band.of(kpi))
    return kpis


def with_followers(user, queryset: QuerySet) -> QuerySet:
    """The KPIs with `.following`: the key results that follow each and `user` may see."""
    shown = access.key_results_visible_to(user).only("pk", "title", "kpi_id").order_by("pk")
    return queryset.prefetch_related(Prefetch("key_results", shown, to_attr="following"))


# Checks -------------------------------------------------------------------------------------


def _band_problems(kpi: Kpi) -> None:
    for name in LIMITS:
        value = getattr(kpi, name)
        if value is not None and (isinstance(value, bool) or not _finite(value)):
            raise ValidationError({name: _("Must be a finite number.")})
    found = health.problems(health.Band.of(kpi))
    if not found:
        return
    field, code = next(iter(found.items()))
    if code == "unknown":
        allowed = ", ".join(Kpi.Band.values)
        message = _("Must be one of: %(allowed)s.") % {"allowed": allowed}
    elif code == "required":
        message = _("This band needs the %(limit)s limit.") % {"limit": LIMIT_LABELS[field]}
    else:
        message = str(ORDER_MESSAGES[field, code])
    raise ValidationError({field: message})


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _validate(kpi: Kpi) -> None:
    kpi.name = (kpi.name or "").strip()
    if not kpi.name:
        raise ValidationError({"name": _("A KPI needs a name.")})
    if len(kpi.name) > 200:
        raise ValidationError({"name": _("At most %(n)s characters.") % {"n": 200}})
    if len(kpi.unit or "") > 30:
        raise ValidationError({"unit": _("At most %(n)s characters.") % {"n": 30}})
    if kpi.cadence not in Kpi.Cadence.values:
        allowed = ", ".join(Kpi.Cadence.values)
        raise ValidationError({"cadence": _("Must be one of: %(allowed)s.") % {"allowed": allowed}})
    _band_problems(kpi)
    # Only the band's own limits are kept: a KPI moved to another band forgets the old ones.
    for name in RANGE_LIMITS if kpi.band in (health.ABOVE, health.BELOW) else THRESHOLD_LIMITS:
        setattr(kpi, name, None)
    taken = Kpi.objects.filter(team_id=kpi.team_id, name__iexact=kpi.name).exclude(pk=kpi.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("The team has a KPI named “%(name)s” already.") % {"name": kpi.name}}
        )


def _team(value) -> Team:
    return value if isinstance(value, Team) else access.get_team(value, field="team")


def _owner(value):
    if value is None:
        return None
    if isinstance(value, get_user_model()):
        if not value.is_active:
            raise ValidationError({"owner": _("No person with id %(id)s.") % {"id": value.pk}})
        return value
    return access.get_person(value, field="owner")


def _number(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError({field: _("Must be a finite number.")})
    return float(value)


def _day(value, field: str = "date") -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({field: _("Give a date as YYYY-MM-DD.")}) from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError({field: _("Give a date as YYYY-MM-DD.")})
    if value > timezone.localdate():
        raise ValidationError({field: _("The date is in the future.")})
    return value


def _note(value) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError({"note": _("A note is text.")})
    note = (value or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("At most %(n)s characters.") % {"n": MAX_NOTE}})
    return note


def _require_manager(actor, kpi_or_team, message: str) -> None:
    if not may_manage(actor, kpi_or_team):
        raise PermissionDenied(message)


# KPIs ---------------------------------------------------------------------------------------


def create_kpi(
    actor,
    *,
    team,
    name: str,
    band: str,
    unit: str = "",
    description: str = "",
    owner=None,
    cadence: str = Kpi.Cadence.WEEKLY,
    green: float | None = None,
    red: float | None = None,
    green_low: float | None = None,
    green_high: float | None = None,
    red_low: float | None = None,
    red_high: float | None = None,
) -> Kpi:
    team = _team(team)
    _require_manager(actor, team, _("KPIs of a team are set by its leads and those above."))
    kpi = Kpi(
        team=team,
        owner=_owner(owner),
        name=name,
        band=band,
        unit=(unit or "").strip(),
        description=(description or "").strip(),
        cadence=cadence,
        green=green,
        red=red,
        green_low=green_low,
        green_high=green_high,
        red_low=red_low,
        red_high=red_high,
    )
    _validate(kpi)
    kpi.save()
    return kpi


def update_kpi(actor, kpi: Kpi, *, version: int | None = None, **changes: Any) -> Kpi:
    """Change a KPI (a stale `version` is a Conflict). A new band or limits judge the
    latest value afresh; past measurements keep the health they had."""
    if unknown := sorted(set(changes) - FIELDS):
        raise ValidationError({unknown[0]: _("Unknown field.")})
    with transaction.atomic():
        kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
        _require_manager(actor, kpi, _("You may not change this KPI."))
        okrs.check_version(kpi, version)
        if "team" in changes:
            changes["team"] = _team(changes["team"])
            _require_manager(actor, changes["team"], _("You may not move KPIs to this team."))
        if "owner" in changes:
            changes["owner"] = _owner(changes["owner"])
        for text in ("unit", "description"):
            if text in changes:
                changes[text] = (changes[text] or "").strip()
        if "archived" in changes and not isinstance(changes["archived"], bool):
            raise ValidationError({"archived": _("Must be true or false.")})
        for name, value in changes.items():
            setattr(kpi, name, value)
        _validate(kpi)
        if BAND_FIELDS & set(changes) and kpi.latest_value is not None:
            kpi.health = health.health(health.Band.of(kpi), kpi.latest_value)
            kpi.red_streak = measuring.red_streak(kpi)
        kpi.version = F("version") + 1
        kpi.save()
        kpi.refresh_from_db()
    return kpi


def archive_kpi(actor, kpi: Kpi, archived: bool = True) -> Kpi:
    """An archived KPI leaves the board and takes no measurements; its history stays."""
    return update_kpi(actor, kpi, archived=archived)


# Measurements -------------------------------------------------------------------------------


def add_measurement(actor, kpi: Kpi, *, value, date, note: str = "") -> Measurement:
    """Measure a KPI: the key results following it are checked in on, and its owner hears
    when it turns red a second time in a row."""
    _require_manager(actor, kpi, _("You may not measure this KPI."))
    reading = _number(value, "value")
    day = _day(date)
    text = _note(note)
    with transaction.atomic():
        kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
        _require_open(kpi)
        if kpi.measurements.filter(date=day).exists():
            raise ValidationError({"date": _taken(day)})
        return measuring.store(actor, kpi, [(day, reading, text)])[0]


def import_measurements(actor, kpi: Kpi, data: bytes | str) -> list[Measurement]:
    """Measurements from a CSV file (`date,value` and an optional `note`): all of them, in
    one transaction and through the same path as `add_measurement`, or none with every
    problem listed by line (a ValidationError on `file`)."""
    _require_manager(actor, kpi, _("You may not measure this KPI."))
    with transaction.atomic():
        kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
        _require_open(kpi)
        stored = set(kpi.measurements.values_list("date", flat=True))
        rows, problems = csv_import.parse(data, today=timezone.localdate(), stored=stored)
        if problems:
            raise ValidationError({"file": problems})
        return measuring.store(actor, kpi, [(row.date, row.value, row.note) for row in rows])


def delete_measurement(actor, measurement: Measurement) -> None:
    """Remove a measurement with the check-ins it made; the KPI and the key results that
    followed it fall back to their newest remaining values."""
    _require_manager(actor, measurement.kpi, _("You may not change this KPI."))
    with transaction.atomic():
        kpi = Kpi.objects.select_for_update().get(pk=measurement.kpi_id)
        touched = list(
            KeyResult.objects.filter(check_ins__measurement=measurement).distinct().order_by("pk")
        )
        measurement.delete()
        measuring.refresh(kpi)
        for key_result in touched:
            okrs.refresh_current(key_result)


def _require_open(kpi: Kpi) -> None:
    if kpi.archived:
        raise ValidationError({"kpi": _("The KPI is archived; restore it to measure it again.")})


def _taken(day: date) -> str:
    return _("There is already a measurement on %(date)s.") % {"date": day.isoformat()}
