"""Check-in reminders: the day before a check-in is due, and while one is overdue; at most
one a person a day; never about key results checked in, closed cycles, stopped objectives
or objectives the person may not see."""

from datetime import date

import pytest
from django.core import mail
from django.db import IntegrityError

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, Objective
from stretch.org.models import Profile, Weekday
from stretch.social.models import Notification, NotificationPreference, ReminderLog
from stretch.social.reminders import send_reminders
from stretch.social.tasks import rhythm_pass
from tests.social.conftest import check_in, moment

THU, FRI = date(2026, 11, 5), date(2026, 11, 6)


def pass_on(clock, day: date) -> int:
    clock.move_to(moment(day))
    return send_reminders(day)


def reminders_of(user):
    return list(
        Notification.objects.filter(
            recipient=user, kind__in=["reminder_due", "reminder_overdue"]
        ).order_by("created_at", "id")
    )


def test_the_day_before_a_check_in_is_due_the_owner_is_reminded_in_app_and_by_email(
    company, clock, kr
):
    clock.move_to(moment(date(2026, 10, 30)))
    check_in(company.alice, kr, 20, date(2026, 10, 30))  # last Friday's check-in

    assert pass_on(clock, THU) == 1

    [reminder] = reminders_of(company.alice)
    assert reminder.kind == "reminder_due"
    assert reminder.title == "1 check-in is due tomorrow"
    assert "Jobs migrated" in reminder.body and "Ship the scheduler" in reminder.body
    assert reminder.url == "/check-in/"
    [email] = mail.outbox
    assert email.to == ["alice@example.com"]
    assert "1 check-in is due tomorrow" in email.subject
    assert "Jobs migrated" in email.body
    assert "http://127.0.0.1:8000/check-in/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "Jobs migrated" in html


def test_no_reminder_on_other_days_before_the_due_day(company, clock, kr):
    clock.move_to(moment(date(2026, 10, 30)))
    check_in(company.alice, kr, 20, date(2026, 10, 30))
    for day in [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4), FRI]:
        assert pass_on(clock, day) == 0
    assert reminders_of(company.alice) == []
    assert mail.outbox == []


def test_nobody_is_reminded_of_a_key_result_checked_in_within_the_period(company, clock, kr):
    clock.move_to(moment(date(2026, 11, 2)))
    check_in(company.alice, kr, 40, date(2026, 11, 2))  # Monday, for this Friday
    assert pass_on(clock, THU) == 0
    assert reminders_of(company.alice) == []


def test_a_stale_key_result_is_overdue_and_its_owner_is_reminded(company, clock, kr):
    clock.move_to(moment(date(2026, 10, 23)))
    check_in(company.alice, kr, 20, date(2026, 10, 23))

    assert pass_on(clock, date(2026, 10, 30)) == 0  # the due day: 7 days, not yet stale
    assert pass_on(clock, date(2026, 10, 31)) == 1  # 8 days: stale

    [reminder] = reminders_of(company.alice)
    assert reminder.kind == "reminder_overdue"
    assert reminder.title == "1 key result is overdue for a check-in"
    assert "Jobs migrated" in reminder.body
    assert "last check-in" in reminder.body
    assert mail.outbox[0].subject.endswith("1 key result is overdue for a check-in")


def test_overdue_and_due_tomorrow_come_in_one_reminder(company, clock, q4, kr):
    clock.move_to(moment(date(2026, 10, 30)))
    check_in(company.alice, kr, 20, date(2026, 10, 30))
    clock.move_to(moment(date(2026, 10, 1)))
    objective = kr.objective
    okrs.create_key_result(company.alice, objective, title="Old queue retired")

    assert pass_on(clock, THU) == 1

    [reminder] = reminders_of(company.alice)
    assert reminder.kind == "reminder_overdue"
    assert "Old queue retired" in reminder.body  # overdue: never checked in since 1 October
    assert "no check-in yet" in reminder.body
    assert "Due tomorrow" in reminder.body and "Jobs migrated" in reminder.body
    assert len(mail.outbox) == 1


def test_at_most_one_reminder_per_person_per_day_across_passes(company, clock, kr):
    clock.move_to(moment(date(2026, 10, 23)))
    check_in(company.alice, kr, 20, date(2026, 10, 23))
    clock.move_to(moment(THU, 6))
    first = rhythm_pass(THU)
    clock.move_to(moment(THU, 18))
    second = rhythm_pass(THU)

    assert first["reminders_sent"] == 1
    assert second["reminders_sent"] == 0
    assert len(reminders_of(company.alice)) == 1
    assert len([m for m in mail.outbox if "overdue" in m.subject]) == 1
    # The next day, still overdue: one more.
    assert pass_on(clock, FRI) == 1
    assert len(reminders_of(company.alice)) == 2


def test_the_daily_log_refuses_a_second_reminder_even_when_two_workers_race(company, kr):
    ReminderLog.objects.create(person=company.alice, day=THU, kind="reminder_due")
    with pytest.raises(IntegrityError):
        ReminderLog.objects.create(person=company.alice, day=THU, kind="reminder_overdue")


def test_a_person_already_logged_today_gets_nothing_more(company, clock, kr):
    ReminderLog.objects.create(person=company.alice, day=THU, kind="reminder_due")
    assert pass_on(clock, THU) == 0
    assert reminders_of(company.alice) == []


@pytest.mark.parametrize("status", [Cycle.Status.PLANNING, Cycle.Status.CLOSED])
def test_nothing_for_cycles_not_active(company, clock, q4, kr, status):
    Cycle.objects.filter(pk=q4.pk).update(status=status)
    assert pass_on(clock, THU) == 0
    assert reminders_of(company.alice) == []


@pytest.mark.parametrize("status", [Objective.Status.STOPPED, Objective.Status.DRAFT])
def test_nothing_for_objectives_stopped_or_in_draft(company, clock, kr, status):
    Objective.objects.filter(pk=kr.objective_id).update(status=status)
    assert pass_on(clock, THU) == 0
    assert reminders_of(company.alice) == []


def test_the_team_weekday_sets_the_day_before(company, clock, kr):
    company.platform.check_in_weekday = Weekday.MONDAY
    company.platform.save()
    clock.move_to(moment(date(2026, 11, 2)))
    check_in(company.alice, kr, 20, date(2026, 11, 2))  # a Monday, due day

    assert pass_on(clock, THU) == 0
    assert pass_on(clock, date(2026, 11, 8)) == 1  # Sunday, the day before Monday
    assert reminders_of(company.alice)[0].kind == "reminder_due"


def test_a_monthly_team_is_reminded_the_day_before_the_last_friday(company, clock, kr):
    company.platform.check_in_cadence = "monthly"
    company.platform.save()
    clock.move_to(moment(date(2026, 10, 30)))  # the last Friday of October
    check_in(company.alice, kr, 20, date(2026, 10, 30))

    assert pass_on(clock, THU) == 0  # 6 November is not the last Friday
    assert pass_on(clock, date(2026, 11, 26)) == 1  # the day before 27 November


def test_the_owner_of_a_key_result_on_someone_elses_objective_is_reminded(company, clock, q4):
    objective = okrs.create_objective(
        company.bob, cycle=q4, title="Platform is boring", owner_team=company.platform
    )
    okrs.create_key_result(company.bob, objective, title="Pages per week", owner=company.alice)
    okrs.create_key_result(company.bob, objective, title="Bob's own", owner=company.bob)

    pass_on(clock, THU)  # never checked in since 1 October: overdue

    assert "Pages per week" in reminders_of(company.alice)[0].body
    assert "Pages per week" not in reminders_of(company.bob)[0].body
    assert "Bob's own" in reminders_of(company.bob)[0].body


def test_a_private_objective_is_only_named_to_someone_who_may_see_it(company, clock, q4):
    # Alice owns a key result on Dave's objective, which Dave then makes private: she may
    # no longer see it, so she is neither asked for it nor told its title.
    hidden = okrs.create_objective(
        company.dave, cycle=q4, title="Secret sales plan", owner_person=company.dave
    )
    okrs.create_key_result(company.dave, hidden, title="Secret deals", owner=company.alice)
    Objective.objects.filter(pk=hidden.pk).update(visibility=Objective.Visibility.PRIVATE)
    # A private objective of her own team she may see.
    team = okrs.create_objective(
        company.bob,
        cycle=q4,
        title="Quiet platform work",
        owner_team=company.platform,
        visibility=Objective.Visibility.PRIVATE,
    )
    okrs.create_key_result(company.bob, team, title="Quiet migrations", owner=company.alice)

    pass_on(clock, THU)

    [reminder] = reminders_of(company.alice)
    assert "Quiet migrations" in reminder.body
    assert "Secret" not in reminder.body
    assert all("Secret" not in m.body for m in mail.outbox)


def test_with_email_reminders_off_the_reminder_is_in_the_inbox_only(company, clock, kr):
    NotificationPreference.objects.create(user=company.alice, email_reminders=False)
    assert pass_on(clock, THU) == 1
    assert len(reminders_of(company.alice)) == 1
    assert mail.outbox == []


def test_the_reminder_is_written_in_the_persons_language(company, clock, kr):
    Profile.objects.filter(user=company.alice).update(locale="zh-hans")
    clock.move_to(moment(date(2026, 10, 30)))
    check_in(company.alice, kr, 20, date(2026, 10, 30))

    pass_on(clock, THU)

    [reminder] = reminders_of(company.alice)
    assert "2026年11月6日" in reminder.body  # tomorrow's date, written the Chinese way
    assert "2026年11月6日" in mail.outbox[0].body


def test_an_inactive_person_is_not_reminded(company, clock, kr):
    company.alice.is_active = False
    company.alice.save()
    assert pass_on(clock, THU) == 0


def test_a_finished_key_result_owes_no_check_in_and_gets_no_reminder(company, clock, kr):
    clock.move_to(moment(date(2026, 10, 23)))
    check_in(company.alice, kr, 200, date(2026, 10, 23))  # the target: done
    assert pass_on(clock, date(2026, 10, 31)) == 0  # 8 days later, but nothing is owed
    assert pass_on(clock, date(2026, 11, 5)) == 0  # nor the day before the next due day
    assert reminders_of(company.alice) == []
