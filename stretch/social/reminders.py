"""Check-in reminders: the day before a check-in is due, and while one is overdue.

Each key result follows the cadence and weekday of its team (`rhythm.key_result_cadence`,
`rhythm.key_result_weekday`). The person reminded is the one who reports on it
(`okrs.views.reported_by`: its owner, or with no owner the owner of its objective), on
active objectives of active cycles, and only if they may still see it.

- due: tomorrow is a due day and the key result has no check-in since the due day before.
- overdue: the key result is stale (`progress.is_stale`) and not checked in for its next
  due day either.

One reminder per person per day at most, whatever the number of passes or workers: the
`ReminderLog` row (unique on person and day) is inserted first, and a pass that loses the
race to insert it sends nothing.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stretch import access
from stretch.okrs import progress, rhythm, rollup
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.social.models import Notification, NotificationPreference, ReminderLog
from stretch.social.notify import email_if_wanted, language_of, notify


@dataclass
class Owed:
    """What one person owes: key results due tomorrow and key results overdue."""

    due: list[KeyResult] = field(default_factory=list)
    overdue: list[KeyResult] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return (
            Notification.Kind.REMINDER_OVERDUE if self.overdue else Notification.Kind.REMINDER_DUE
        )


def _local_date(moment) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def classify(key_result: KeyResult, today: date) -> str | None:
    """The reminder a key result calls for: "overdue", "due" (tomorrow) or None.

    The key result is annotated with cadence and weekday, its objective and cycle loaded.
    """
    cadence, weekday = key_result.cadence, key_result.weekday  # type: ignore[attr-defined]
    last = _local_date(key_result.checked_in_at)
    cycle = key_result.objective.cycle
    since = max(cycle.start, _local_date(key_result.created_at) or cycle.start)
    next_due = rhythm.next_due_date(cadence, weekday, today)
    if progress.is_stale(last, since, today, cadence) and not rhythm.checked_in_for(
        cadence, weekday, last, next_due
    ):
        return "overdue"
    tomorrow = today + timedelta(days=1)
    if next_due == tomorrow and not rhythm.checked_in_for(cadence, weekday, last, tomorrow):
        return "due"
    return None


def owed_on(today: date) -> dict[int, Owed]:
    """Who owes which check-ins on `today`, by person id (people who owe nothing are absent)."""
    tomorrow = today + timedelta(days=1)
    key_results = (
        KeyResult.objects.filter(
            Q(owner__isnull=False) | Q(objective__owner_person__isnull=False),
            objective__status=Objective.Status.ACTIVE,
            objective__cycle__status=Cycle.Status.ACTIVE,
            objective__cycle__start__lte=tomorrow,
            objective__cycle__end__gte=today,
        )
        .annotate(
            cadence=rhythm.key_result_cadence(),
            weekday=rhythm.key_result_weekday(),
            reporter_id=Coalesce("owner_id", "objective__owner_person_id"),
        )
        .select_related("objective__cycle")
        .prefetch_related("steps")
        .order_by("objective__cycle__start", "objective_id", "position", "id")
    )
    owed: dict[int, Owed] = defaultdict(Owed)
    for key_result in key_results:
        if rollup.is_finished(key_result):
            continue  # a finished key result owes no check-ins (as `rollup.is_stale` says)
        verdict = classify(key_result, today)
        if verdict == "overdue":
            owed[key_result.reporter_id].overdue.append(key_result)  # type: ignore[attr-defined]
        elif verdict == "due":
            owed[key_result.reporter_id].due.append(key_result)  # type: ignore[attr-defined]
    return dict(owed)


def _visible(person, key_results: list[KeyResult]) -> list[KeyResult]:
    return [kr for kr in key_results if access.can_view_objective(person, kr.objective)]


def _line(key_result: KeyResult) -> str:
    return _("%(key_result)s (objective: %(objective)s)") % {
        "key_result": key_result.title,
        "objective": key_result.objective.title,
    }


def last_check_in_text(key_result: KeyResult) -> str:
    """When the key result was last checked in on, for reminders and the digest."""
    last = _local_date(key_result.checked_in_at)
    if last is None:
        return _("no check-in yet")
    return _("last check-in %(date)s") % {"date": date_format(last, "DATE_FORMAT")}


def compose(owed: Owed, today: date) -> tuple[str, str]:
    """The title and body of a reminder, in the active language."""
    lines: list[str] = []
    if owed.overdue:
        count = len(owed.overdue)
        title = ngettext(
            "%(count)d key result is overdue for a check-in",
            "%(count)d key results are overdue for a check-in",
            count,
        ) % {"count": count}
        lines.append(_("Overdue for a check-in:"))
        lines += [f"- {_line(kr)}, {last_check_in_text(kr)}" for kr in owed.overdue]
    if owed.due:
        count = len(owed.due)
        due_title = ngettext(
            "%(count)d check-in is due tomorrow",
            "%(count)d check-ins are due tomorrow",
            count,
        ) % {"count": count}
        if not owed.overdue:
            title = due_title
        if lines:
            lines.append("")
        lines.append(
            _("Due tomorrow, %(date)s:")
            % {"date": date_format(today + timedelta(days=1), "DATE_FORMAT")}
        )
        lines += [f"- {_line(kr)}" for kr in owed.due]
    lines += ["", _("Check in on all of them on one page: the weekly check-in.")]
    return title, "\n".join(lines)


def send_reminders(today: date) -> int:
    """Send the reminders owed on `today`; returns how many people were reminded."""
    owed = owed_on(today)
    if not owed:
        return 0
    already = set(
        ReminderLog.objects.filter(day=today, person_id__in=owed).values_list(
            "person_id", flat=True
        )
    )
    people = get_user_model().objects.filter(pk__in=set(owed) - already, is_active=True)
    preferences = {
        p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=set(owed))
    }
    url = reverse("weekly-check-in")
    sent = 0
    for person in people.select_related("profile").order_by("pk"):
        mine = owed[person.pk]
        mine = Owed(due=_visible(person, mine.due), overdue=_visible(person, mine.overdue))
        if not mine.due and not mine.overdue:
            continue
        with translation.override(language_of(person)):
            title, body = compose(mine, today)
        try:
            with transaction.atomic():
                ReminderLog.objects.create(person=person, day=today, kind=mine.kind)
                notification = notify(person, mine.kind, title, body, url, email=False)
        except IntegrityError:  # another pass reminded this person today
            continue
        prefs = preferences.get(person.pk) or NotificationPreference(user=person)
        email_if_wanted(person, notification, prefs)
        sent += 1
    return sent
