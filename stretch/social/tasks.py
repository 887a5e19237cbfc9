"""The rhythm pass, run by the background worker (or by hand with `stretch remind`).

One pass: move cycles on by their dates, send the check-in reminders owed today, send this
week's digests. Passes may run as often as anyone likes, on as many workers as anyone
likes: the reminder and digest logs' unique constraints make each send happen once.

`stretch worker` runs the django-tasks database worker and, every
settings.STRETCH_RHYTHM_INTERVAL seconds, queues `run_rhythm` (`schedule_rhythm`): it
queues one only when none is waiting, with a start time one interval after the last one,
so several workers keep one pass per interval between them.
"""

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from stretch.okrs import rollup

KEEP_RESULTS = timedelta(days=7)


def rhythm_pass(today: date | None = None) -> dict[str, int]:
    """Run one pass now, synchronously; returns what it did, as counts."""
    from stretch.cfr.reminders import send_meeting_reminders
    from stretch.okrs import phases
    from stretch.social import digest, fanout, reminders

    today = today or rollup.today()
    moved = phases.advance_by_date(today)
    return {
        "cycles_moved": len(moved),
        "reminders_sent": reminders.send_reminders(today),
        "digests_sent": digest.send_digests(today),
        "daily_emails_sent": fanout.send_daily_emails(today),
        "one_on_one_reminders_sent": send_meeting_reminders(today),
    }


@task()
def run_rhythm() -> dict[str, int]:
    """The rhythm pass as a background task (queued by `stretch worker`'s scheduler)."""
    return rhythm_pass()


def schedule_rhythm(now=None, interval: int | None = None):
    """Queue the next rhythm pass unless one is waiting already; returns it, or None.

    The pass runs one interval after the last queued one (right away when there was none,
    or when that is past). Two workers scheduling at the same moment may both queue one;
    the second pass then finds nothing left to send.
    """
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    interval = settings.STRETCH_RHYTHM_INTERVAL if interval is None else interval
    ours = DBTaskResult.objects.filter(task_path=run_rhythm.module_path)
    # Finished passes are kept a week, for looking back at what they did.
    ours.filter(status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=now - KEEP_RESULTS).delete()
    if ours.filter(status="READY").exists():
        return None
    last = (
        ours.exclude(run_after=get_date_max())  # queued "as soon as possible"
        .order_by("-run_after")
        .values_list("run_after", flat=True)
        .first()
    )
    run_after = now if last is None else max(now, last + timedelta(seconds=interval))
    return run_rhythm.using(run_after=run_after).enqueue()
