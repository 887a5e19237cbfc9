"""Delivering to a real HTTP receiver on 127.0.0.1: retries with backoff, the delivery log,
exactly one accepted delivery, and nothing lost while the receiver is down."""

import hashlib
import hmac
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from stretch import cli
from stretch.okrs import services as okrs
from stretch.webhooks import delivery as sender
from stretch.webhooks import services, tasks
from stretch.webhooks.models import Delivery
from tests.webhooks.conftest import add_webhook


def valid_signature(secret: str, received) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received.headers["X-Stretch-Signature"], expected)


def test_a_receiver_failing_twice_then_succeeding_gets_the_event_exactly_once(
    company, kr, receiver, clock
):
    hook = add_webhook(company, receiver.url)
    receiver.answers = [500, 500, 200]
    okrs.check_in(company.alice, kr, value=40, confidence=7)
    [queued] = Delivery.objects.filter(webhook=hook)

    assert sender.sweep() == 1  # first try: 500
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.last_status_code) == ("pending", 1, 500)
    assert queued.next_attempt_at == timezone.now() + timedelta(seconds=30)
    assert sender.sweep() == 0  # not due again yet

    clock.shift(timedelta(seconds=30))
    assert sender.sweep() == 1  # second try: 500
    queued.refresh_from_db()
    assert queued.next_attempt_at == timezone.now() + timedelta(minutes=2)

    clock.shift(timedelta(minutes=2))
    assert sender.sweep() == 1  # third try: 200
    clock.shift(timedelta(hours=1))
    assert sender.sweep() == 0
    assert tasks.deliver.call(queued.pk) == "skipped"  # a late task sends nothing either

    queued.refresh_from_db()
    assert queued.status == "delivered"
    assert queued.delivered_at is not None
    assert [a.status_code for a in queued.attempt_log.all()] == [500, 500, 200]
    assert len(receiver.accepted) == 1
    assert len(receiver.received) == 3
    # Every try carried the same event, the same bytes and a valid signature.
    assert {r.body for r in receiver.received} == {receiver.accepted[0].body}
    for got in receiver.received:
        assert valid_signature(hook.secret, got)
        assert got.headers["X-Stretch-Event"] == "check_in"
        assert got.headers["X-Stretch-Delivery"] == str(queued.pk)
        assert got.path == "/hooks/stretch"
    event = receiver.accepted[0].json
    assert event["event"] == "check_in"
    assert event["objective"]["title"] == "Ship the scheduler"
    assert event["key_result"]["title"] == "Jobs migrated"
    assert event["data"]["value"] == 40


def test_a_receiver_that_is_down_keeps_the_event_pending_with_the_error(
    company, kr, closed_port_url, api_as
):
    hook = add_webhook(company, closed_port_url)
    okrs.check_in(company.alice, kr, value=10)

    assert sender.sweep() == 1
    [pending] = Delivery.objects.filter(webhook=hook)
    assert pending.status == "pending"
    assert pending.attempts == 1
    assert pending.last_status_code is None
    assert "refused" in pending.last_error.lower()
    assert pending.next_attempt_at > timezone.now()

    log = api_as(company.admin).get(f"/webhooks/{hook.pk}/deliveries").json_body
    [shown] = log["items"]
    assert shown["status"] == "pending"
    assert "refused" in shown["attempt_log"][0]["error"].lower()
    assert shown["attempt_log"][0]["status_code"] is None


def test_it_gives_up_after_the_last_retry_and_an_admin_may_retry_it(
    company, kr, closed_port_url, receiver, clock
):
    hook = add_webhook(company, closed_port_url)
    okrs.check_in(company.alice, kr, value=10)
    [queued] = Delivery.objects.filter(webhook=hook)
    for _try in range(sender.MAX_ATTEMPTS):
        assert sender.sweep() == 1
        clock.shift(timedelta(hours=13))
    queued.refresh_from_db()
    assert queued.status == "failed"
    assert queued.attempts == sender.MAX_ATTEMPTS
    assert sender.sweep() == 0  # failed deliveries wait for a person

    services.update_webhook(company.admin, hook, {"url": receiver.url})
    services.retry(company.admin, queued)
    assert sender.sweep() == 1
    queued.refresh_from_db()
    assert queued.status == "delivered"
    assert len(receiver.accepted) == 1


def test_the_backoff_grows_four_times_and_stops_growing_at_twelve_hours():
    delays = [sender.backoff(n) for n in range(1, sender.MAX_ATTEMPTS)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 120, 480, 1920)]
    assert max(delays) == timedelta(hours=12)


def test_a_claimed_delivery_is_not_sent_by_a_second_worker_until_the_claim_runs_out(
    company, kr, receiver, clock
):
    add_webhook(company, receiver.url)
    okrs.check_in(company.alice, kr, value=10)
    [queued] = Delivery.objects.all()
    now = timezone.now()
    assert sender.claim(queued.pk, now) is not None
    assert sender.claim(queued.pk, now) is None  # another worker, at the same moment
    assert sender.sweep(now) == 0
    # The first worker died mid-send: after the lease, the sweep takes it over.
    assert sender.sweep(now + sender.LEASE + timedelta(seconds=1)) == 1
    assert len(receiver.accepted) == 1


def test_a_paused_webhook_keeps_its_deliveries_waiting(company, kr, receiver):
    hook = add_webhook(company, receiver.url)
    okrs.check_in(company.alice, kr, value=10)
    services.update_webhook(company.admin, hook, {"active": False})
    assert sender.sweep() == 0
    services.update_webhook(company.admin, hook, {"active": True})
    assert sender.sweep() == 1
    assert len(receiver.accepted) == 1


def test_the_deliver_task_queues_its_retry_for_the_time_of_the_retry(company, kr, closed_port_url):
    add_webhook(company, closed_port_url)
    okrs.check_in(company.alice, kr, value=10)
    [queued] = Delivery.objects.all()

    assert tasks.deliver.call(queued.pk) == "pending"

    queued.refresh_from_db()
    [retry] = DBTaskResult.objects.filter(task_path=tasks.deliver.module_path)
    assert retry.args_kwargs["args"] == [queued.pk]
    assert retry.run_after == queued.next_attempt_at


def test_the_scheduler_keeps_one_sweep_queued(db, clock):
    assert tasks.schedule_sweep() is not None
    assert tasks.schedule_sweep() is None
    assert DBTaskResult.objects.filter(task_path=tasks.sweep_deliveries.module_path).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_what_a_committed_check_in_queued(company, kr, receiver, capsys):
    hook = add_webhook(company, receiver.url, fmt="slack")
    okrs.check_in(company.alice, kr, value=40)  # commits: the deliver task is queued

    assert cli.main(["worker", "--once"]) == 0

    [got] = receiver.accepted
    assert "Jobs migrated" in got.json["text"]
    assert Delivery.objects.get(webhook=hook).status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_is_claiming_is_skipped_not_waited_for(company, kr, receiver):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; SKIP LOCKED is PostgreSQL's")
    add_webhook(company, receiver.url)
    okrs.check_in(company.alice, kr, value=40)
    [queued] = Delivery.objects.all()
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        with transaction.atomic():
            Delivery.objects.select_for_update().get(pk=queued.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert sender.claim(queued.pk, timezone.now()) is None
    finally:
        release.set()
        thread.join(10)
    assert sender.sweep() == 1
    assert len(receiver.accepted) == 1
