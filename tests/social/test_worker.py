"""The background worker and `stretch remind`, against the real database, sending real
emails into Django's test outbox.

These tests commit (transactional_db): the django-tasks database worker claims each task
in its own transaction, as it does in production.
"""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from stretch import cli
from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle
from stretch.social import tasks
from stretch.social.models import Notification
from tests.social.conftest import moment

pytestmark = pytest.mark.django_db(transaction=True)

THU = date(2026, 11, 5)  # the day before Platform's Friday check-in


@pytest.fixture
def due_tomorrow(clock, kr):
    clock.move_to(moment(THU))
    return kr


def test_the_worker_runs_the_queued_rhythm_pass_and_the_email_arrives(
    company, due_tomorrow, capsys
):
    result = tasks.run_rhythm.enqueue()

    assert cli.main(["worker", "--once"]) == 0

    assert "Ran 1 queued task." in capsys.readouterr().out
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "SUCCESSFUL"
    assert row.return_value["reminders_sent"] == 1
    assert Notification.objects.filter(recipient=company.alice, kind="reminder_overdue").exists()
    [email] = [m for m in mail.outbox if m.to == ["alice@example.com"] and "overdue" in m.subject]
    assert "Jobs migrated" in email.body
    # A second pass the same day, by the worker again, sends nothing new.
    tasks.run_rhythm.enqueue()
    cli.main(["worker", "--once"])
    assert Notification.objects.filter(recipient=company.alice).exclude(kind="digest").count() == 1


def test_the_rhythm_pass_moves_cycles_on_by_their_dates(company, clock, q4):
    planned = okrs.create_cycle(
        company.admin,
        name="Q1 2027",
        start=date(2027, 1, 1),
        end=date(2027, 3, 31),
        status=Cycle.Status.PLANNING,
    )
    clock.move_to(moment(date(2027, 1, 1)))
    done = tasks.rhythm_pass(date(2027, 1, 1))
    planned.refresh_from_db()
    q4.refresh_from_db()
    assert planned.status == Cycle.Status.ACTIVE
    assert q4.status == Cycle.Status.GRADING
    assert done["cycles_moved"] >= 2


def test_the_scheduler_keeps_one_pass_queued_one_interval_apart(db, clock):
    now = timezone.now()
    first = tasks.schedule_rhythm(now, interval=900)
    assert first is not None
    assert tasks.schedule_rhythm(now, interval=900) is None  # one is waiting already
    assert tasks.schedule_rhythm(now + timedelta(seconds=30), interval=900) is None
    assert DBTaskResult.objects.filter(task_path=tasks.run_rhythm.module_path).count() == 1

    cli.main(["worker", "--once"])  # the pass runs

    second = tasks.schedule_rhythm(now + timedelta(seconds=60), interval=900)
    assert second is not None
    row = DBTaskResult.objects.get(id=second.id)
    assert row.run_after == DBTaskResult.objects.get(id=first.id).run_after + timedelta(seconds=900)
    # Not yet due: the worker leaves it waiting.
    assert cli.main(["worker", "--once"]) == 0
    assert DBTaskResult.objects.get(id=second.id).status == "READY"


def test_stretch_remind_runs_one_pass_and_says_what_it_did(company, due_tomorrow, capsys):
    assert cli.main(["remind"]) == 0
    out = capsys.readouterr().out
    assert "sent 1 check-in reminders" in out
    assert "weekly digests" in out
    assert [m for m in mail.outbox if m.to == ["alice@example.com"]]


def test_a_failing_pass_is_one_line_on_stderr_and_a_non_zero_exit(db, monkeypatch, capsys):
    def broken(today=None):
        raise RuntimeError("mail server refused the connection\nlong details")

    monkeypatch.setattr(tasks, "rhythm_pass", broken)
    assert cli.main(["remind"]) == 1
    err = capsys.readouterr().err
    assert err == "stretch remind: error: mail server refused the connection\n"


def test_a_bad_interval_is_refused_in_one_line(db, capsys):
    assert cli.main(["worker", "--interval", "0"]) == 1
    assert capsys.readouterr().err == (
        "stretch worker: error: --interval must be at least 1 second\n"
    )


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("worker", ["background tasks", "--once", "--interval", "STRETCH_RHYTHM_INTERVAL"]),
        ("remind", ["one pass", "reminders", "digests", "cron"]),
    ],
)
def test_worker_and_remind_explain_themselves(command, words, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: stretch {command}" in out
    for word in words:
        assert word in out
