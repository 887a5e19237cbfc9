"""What storing a KPI's measurements causes, inside the caller's transaction: the KPI's
latest value, health and red streak, system check-ins on the key results following it, and
the notice to its owner when it turns red a second time in a row.
"""

from datetime import date, datetime, time
from functools import partial

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stretch.kpis import health, recovery
from stretch.kpis.models import Kpi, Measurement
from stretch.okrs import phases
from stretch.okrs import services as okrs
from stretch.okrs.models import KeyResult, Objective
from stretch.org.models import Membership
from stretch.social.models import Notification, NotificationPreference
from stretch.social.notify import email_if_wanted, language_of, notify, preferences_of


def store(actor, kpi: Kpi, rows: list[tuple[date, float, str]]) -> list[Measurement]:
    """Store readings of the KPI (its row locked by the caller), oldest first, and what they
    cause: the KPI's latest value and streak, check-ins, and at most one red notice."""
    band = health.Band.of(kpi)
    streak_before = kpi.red_streak
    made = [
        Measurement(
            kpi=kpi,
            value=value,
            date=day,
            note=note,
            health=health.health(band, value),
            author=actor if getattr(actor, "pk", None) else None,
        )
        for day, value, note in sorted(rows, key=lambda row: row[0])
    ]
    Measurement.objects.bulk_create(made)
    refresh(kpi)
    _check_in_followers(kpi, made)
    threshold = health.RED_STREAK_FOR_RECOVERY
    if streak_before < threshold <= kpi.red_streak and recovery.open_recovery(kpi) is None:
        _tell_red(kpi)
    return made


def refresh(kpi: Kpi) -> None:
    """Set the KPI's latest value, date, health and red streak from its measurements."""
    newest = kpi.measurements.order_by("-date", "-id").values_list("value", "date").first()
    if newest is None:
        kpi.latest_value, kpi.latest_date, kpi.health, kpi.red_streak = None, None, "", 0
    else:
        kpi.latest_value, kpi.latest_date = newest
        kpi.health = health.health(health.Band.of(kpi), kpi.latest_value)
        kpi.red_streak = red_streak(kpi)
    kpi.save(update_fields=["latest_value", "latest_date", "health", "red_streak", "updated_at"])


def red_streak(kpi: Kpi) -> int:
    """How many of the newest measurements in a row were red when entered (none while the
    KPI is not red now; at least its latest while it is)."""
    if kpi.health != health.RED:
        return 0
    last_other = (
        kpi.measurements.exclude(health=health.RED)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    reds = (
        kpi.measurements.all()
        if last_other is None
        else kpi.measurements.filter(date__gt=last_other)
    )
    return max(1, reds.count())


def moment(day: date) -> datetime:
    """When a reading on `day` happened: now for today, else noon of that day."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(12)))


def _check_in_followers(kpi: Kpi, made: list[Measurement]) -> None:
    """Check in, as the system, on each key result following the KPI that takes check-ins
    now and whose cycle contains the reading's date: the value times its conversion."""
    if not made:
        return
    days = [m.date for m in made]
    followers = list(
        KeyResult.objects.filter(
            kpi=kpi,
            kind=KeyResult.Kind.METRIC,
            objective__cycle__status__in=phases.ALLOWED[phases.CHECK_IN],
            objective__cycle__start__lte=max(days),
            objective__cycle__end__gte=min(days),
        )
        .exclude(objective__status__in=[Objective.Status.CLOSED, Objective.Status.STOPPED])
        .select_related("objective__cycle")
        .order_by("pk")
    )
    for measurement in made:
        for key_result in followers:
            cycle = key_result.objective.cycle
            if not cycle.start <= measurement.date <= cycle.end:
                continue
            note = _("From the KPI “%(name)s”") % {"name": kpi.name}
            if measurement.note:
                note = f"{note}: {measurement.note}"
            okrs.check_in_from_measurement(
                key_result,
                value=measurement.value * key_result.kpi_factor,
                at=moment(measurement.date),
                measurement=measurement,
                note=note,
            )


def _tell_red(kpi: Kpi) -> None:
    """The KPI turned red a second time in a row: its owner (or, without one, its team's
    leads) hears of it, in their own language, by email as they chose for activity."""
    if kpi.owner is not None and kpi.owner.is_active:
        people = [kpi.owner]
    else:
        leads = Membership.objects.filter(
            team_id=kpi.team_id, role=Membership.Role.LEAD, person__is_active=True
        ).select_related("person__profile")
        people = [membership.person for membership in leads]
    for person in people:
        with translation.override(language_of(person)):
            title = ngettext(
                "“%(name)s” has been in the red for %(count)s measurement in a row",
                "“%(name)s” has been in the red for %(count)s measurements in a row",
                kpi.red_streak,
            ) % {"name": kpi.name, "count": kpi.red_streak}
            body = _(
                "Latest: %(value)s on %(date)s. Draft a recovery objective from the KPI's "
                "page to bring it back into its band."
            ) % {
                "value": recovery.reading(kpi, kpi.latest_value),
                "date": formats.date_format(kpi.latest_date or timezone.localdate()),
            }
        preferences = preferences_of(person)
        notice = notify(
            person, Notification.Kind.KPI_RED, title, body, f"/kpis/{kpi.pk}/", email=False
        )
        if person.email and preferences.email_activity == NotificationPreference.Email.DAILY:
            Notification.objects.filter(pk=notice.pk).update(email_pending=True)
        else:  # sent once the measurement is stored for good
            transaction.on_commit(partial(email_if_wanted, person, notice, preferences))
