"""The day-before reminder of each 1:1 meeting and the "action item due" notice, sent by
the rhythm pass (`stretch.social.tasks.rhythm_pass`).

Each is sent once per person whatever the number of passes: a `CfrNoticeLog` row (unique
on person and key) is inserted first, and a pass that loses the race sends nothing.
"""

from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from stretch.cfr.models import ActionItem, CfrNoticeLog, Meeting
from stretch.org.models import display_name
from stretch.social.models import Notification
from stretch.social.notify import language_of, notify


def _once(person, key: str) -> bool:
    """Claim the right to send `key` to `person`; False when it was sent already."""
    try:
        with transaction.atomic():
            CfrNoticeLog.objects.create(person=person, key=key)
    except IntegrityError:
        return False
    return True


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def send_meeting_reminders(today: date) -> int:
    """Remind both participants of tomorrow's meetings and owners of action items due
    today or tomorrow; returns how many notifications were sent."""
    sent = 0
    start, end = _day_bounds(today + timedelta(days=1))
    meetings = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED, scheduled_at__gte=start, scheduled_at__lt=end
    ).select_related("conversation__person_a__profile", "conversation__person_b__profile")
    for meeting in meetings:
        conversation = meeting.conversation
        url = reverse("one-on-one", args=[conversation.pk])
        for person in (conversation.person_a, conversation.person_b):
            if not _once(person, f"meeting:{meeting.pk}"):
                continue
            with translation.override(language_of(person)):
                title = _("Your 1:1 “%(title)s” with %(name)s is tomorrow") % {
                    "title": conversation.title,
                    "name": display_name(conversation.other(person)),
                }
                body = _("At %(time)s. Add your talking points to the agenda.") % {
                    "time": date_format(timezone.localtime(meeting.scheduled_at), "TIME_FORMAT")
                }
                notify(person, Notification.Kind.ONE_ON_ONE, title, body, url)
            sent += 1
    items = ActionItem.objects.filter(
        done_at__isnull=True, due__in=[today, today + timedelta(days=1)]
    ).select_related("owner__profile", "conversation")
    for item in items:
        when = "today" if item.due == today else "tomorrow"
        if not _once(item.owner, f"action:{item.pk}:{item.due.isoformat()}:{when}"):
            continue
        with translation.override(language_of(item.owner)):
            title = (
                _("Action item due today: %(text)s")
                if item.due == today
                else _("Action item due tomorrow: %(text)s")
            ) % {"text": item.text}
            body = _("From your 1:1 “%(title)s”.") % {"title": item.conversation.title}
            url = reverse("one-on-one", args=[item.conversation_id])
            notify(item.owner, Notification.Kind.ONE_ON_ONE, title, body, url)
        sent += 1
    return sent
