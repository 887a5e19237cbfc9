"""Webhook deliveries in the background worker (django-tasks, database backend).

- `deliver(id)` is queued when a delivery's transaction commits, and again for each retry
  with `run_after` set to the retry's time, so retries happen on time.
- `sweep_deliveries` is the safety net: `stretch worker`'s scheduler queues it every
  `SWEEP_INTERVAL` seconds (`schedule_sweep`), and it tries whatever is due, so a delivery
  whose task was lost (a crash between commit and queueing, a worker killed mid-send) is
  still sent. Both may meet on one delivery: its claim lets only one of them send it.
"""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from stretch.webhooks import delivery
from stretch.webhooks.models import Delivery

SWEEP_INTERVAL = 60  # seconds
KEEP_RESULTS = timedelta(days=1)  # finished task rows; the delivery log keeps the story


@task()
def deliver(delivery_id: int) -> str:
    """Try the delivery now; queue its retry if it is to be tried again."""
    done = delivery.attempt(delivery_id)
    if done is None:
        return "skipped"  # delivered already, not due yet, or another worker holds it
    if done.status == Delivery.Status.PENDING and done.next_attempt_at is not None:
        deliver.using(run_after=done.next_attempt_at).enqueue(delivery_id)
    return done.status


def enqueue(delivery_id: int) -> None:
    deliver.enqueue(delivery_id)


@task()
def sweep_deliveries() -> int:
    return delivery.sweep()


def schedule_sweep(now=None, interval: int = SWEEP_INTERVAL):
    """Queue the next sweep unless one is waiting; returns it, or None. Also forgets the
    finished task rows of deliveries and sweeps older than `KEEP_RESULTS`."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    paths = [deliver.module_path, sweep_deliveries.module_path]
    DBTaskResult.objects.filter(
        task_path__in=paths,
        status__in=["SUCCESSFUL", "FAILED"],
        finished_at__lt=now - KEEP_RESULTS,
    ).delete()
    ours = DBTaskResult.objects.filter(task_path=sweep_deliveries.module_path)
    if ours.filter(status="READY").exists():
        return None
    last = (
        ours.exclude(run_after=get_date_max())
        .order_by("-run_after")
        .values_list("run_after", flat=True)
        .first()
    )
    run_after = now if last is None else max(now, last + timedelta(seconds=interval))
    return sweep_deliveries.using(run_after=run_after).enqueue()
