"""The weekly digest: progress moved over the week, what turned at risk or off track, stale
key results; per person and per team; once a week; never naming what the reader may not see."""

from datetime import date

import pytest
from django.core import mail

from stretch.okrs import services as okrs
from stretch.okrs.models import Objective
from stretch.social import digest
from stretch.social.digest import send_digests
from stretch.social.models import DigestLog, Notification, NotificationPreference
from tests.social.conftest import check_in, moment

MONDAY = date(2026, 11, 9)


@pytest.fixture
def week(company, clock, q4):
    """Alice's and Platform's OKRs, with check-ins before and during the week to 9 November."""
    alice, bob = company.alice, company.bob
    w = type("Week", (), {})()
    w.scheduler = okrs.create_objective(
        alice, cycle=q4, title="Ship the scheduler", owner_person=alice
    )
    w.jobs = okrs.create_key_result(alice, w.scheduler, title="Jobs migrated", start=0, target=200)
    w.queues = okrs.create_objective(alice, cycle=q4, title="Calm queues", owner_person=alice)
    w.latency = okrs.create_key_result(alice, w.queues, title="Queue latency", target=100)
    w.runbook = okrs.create_key_result(
        alice, w.queues, title="Runbook written", kind="milestone", target=1
    )
    w.platform = okrs.create_objective(
        bob, cycle=q4, title="Platform is boring", owner_team=company.platform
    )
    w.pages = okrs.create_key_result(bob, w.platform, title="Pages per week", target=10)
    w.quiet = okrs.create_objective(
        bob,
        cycle=q4,
        title="Quiet platform work",
        owner_team=company.platform,
        visibility=Objective.Visibility.PRIVATE,
    )
    okrs.create_key_result(bob, w.quiet, title="Quiet migrations", target=5)
    w.sales = okrs.create_objective(
        company.dave, cycle=q4, title="Sell the scheduler", owner_person=company.dave
    )
    okrs.create_key_result(company.dave, w.sales, title="Deals closed", target=10)

    clock.move_to(moment(date(2026, 10, 30)))
    for kr, value, confidence in [(w.jobs, 60, 8), (w.latency, 35, 8), (w.pages, 3, 8)]:
        check_in(
            alice if kr != w.pages else bob, kr, value, date(2026, 10, 30), confidence=confidence
        )
    clock.move_to(moment(date(2026, 11, 6)))
    check_in(alice, w.jobs, 100, date(2026, 11, 6), confidence=8)
    check_in(alice, w.latency, 36, date(2026, 11, 6), confidence=2)
    check_in(bob, w.pages, 5, date(2026, 11, 6), confidence=8)
    clock.move_to(moment(MONDAY, 7))
    return w


def digest_of(user) -> Notification:
    return Notification.objects.get(recipient=user, kind="digest")


def email_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_the_digest_tells_how_far_each_objective_moved_this_week(company, week):
    send_digests(MONDAY)
    body = digest_of(company.alice).body
    assert "Your objectives: progress this week" in body
    assert "Ship the scheduler: 30% → 50% (+20 points)" in body
    assert "Calm queues: 18%, no change" in body  # 35% of one KR, the other not done


def test_the_digest_names_what_turned_off_track_and_what_is_stale(company, week):
    send_digests(MONDAY)
    body = digest_of(company.alice).body
    assert "Your objectives: turned at risk or off track" in body
    assert "Queue latency: on track → off track, objective: Calm queues" in body
    turned = body.split("turned at risk or off track")[1].split("\n\n")[0]
    assert "Jobs migrated" not in turned  # still on track
    assert "Your objectives: not checked in lately" in body
    assert "Runbook written: no check-in yet, objective: Calm queues" in body


def test_team_members_and_leads_get_their_teams_objectives(company, week):
    send_digests(MONDAY)
    for person in (company.alice, company.bob):
        body = digest_of(person).body
        assert "Platform: progress this week" in body
        assert "Platform is boring: 30% → 50% (+20 points)" in body
        assert "Quiet platform work" in body  # private, but theirs to see
    assert "Ship the scheduler" not in digest_of(company.bob).body  # alice's own, not bob's


def test_a_digest_never_mentions_what_the_reader_may_not_see(company, week):
    send_digests(MONDAY)
    body = digest_of(company.dave).body
    assert "Sell the scheduler" in body
    assert "Platform" not in body and "Quiet" not in body
    assert all("Quiet platform work" not in m.body for m in email_to("dave@example.com"))


def test_the_digest_comes_by_email_with_an_html_alternative_linking_to_the_objectives(
    company, week
):
    send_digests(MONDAY)
    [email] = email_to("alice@example.com")
    assert "Your weekly digest" in email.subject
    assert "Ship the scheduler: 30% → 50% (+20 points)" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="http://127.0.0.1:8000/objectives/{week.scheduler.pk}/"' in html
    assert "Queue latency" in html


def test_one_digest_a_week_however_many_passes(company, clock, week):
    first = send_digests(MONDAY)
    assert first >= 3  # alice, bob, dave
    assert send_digests(MONDAY) == 0
    clock.move_to(moment(date(2026, 11, 10)))
    assert send_digests(date(2026, 11, 10)) == 0
    assert Notification.objects.filter(recipient=company.alice, kind="digest").count() == 1
    clock.move_to(moment(date(2026, 11, 16)))
    assert send_digests(date(2026, 11, 16)) == first
    assert Notification.objects.filter(recipient=company.alice, kind="digest").count() == 2


def test_the_first_pass_after_monday_sends_the_weeks_digest(company, clock, week):
    clock.move_to(moment(date(2026, 11, 11)))  # no pass ran on Monday or Tuesday
    assert send_digests(date(2026, 11, 11)) >= 3
    assert DigestLog.objects.get(person=company.alice).week_start == MONDAY


def test_no_digest_for_someone_with_nothing_to_hear_about(company, week):
    send_digests(MONDAY)
    assert not Notification.objects.filter(recipient=company.carol, kind="digest").exists()


def test_with_the_digest_off_nothing_comes(company, week):
    NotificationPreference.objects.create(user=company.alice, weekly_digest=False)
    send_digests(MONDAY)
    assert not Notification.objects.filter(recipient=company.alice, kind="digest").exists()
    assert email_to("alice@example.com") == []


def test_with_digest_email_off_the_digest_is_in_the_inbox_only(company, week):
    NotificationPreference.objects.create(user=company.alice, email_digest=False)
    send_digests(MONDAY)
    assert digest_of(company.alice)
    assert email_to("alice@example.com") == []
    assert email_to("bob@example.com")


def test_the_sections_are_an_extension_point(company, week, monkeypatch):
    """Comments and recognitions (later issues) add a builder to digest.SECTIONS."""

    def kudos(data):
        return [
            digest.Section("Recognitions", [digest.Entry(f"Kudos to {data.recipient.username}")])
        ]

    monkeypatch.setattr(digest, "SECTIONS", [*digest.SECTIONS, kudos])
    send_digests(MONDAY)
    assert "Recognitions\n- Kudos to alice" in digest_of(company.alice).body


def test_the_digest_counts_the_weeks_comments_on_each_objective(company, clock, week):
    from stretch.social.models import Comment

    clock.move_to(moment(date(2026, 11, 5)))
    for author in (company.bob, company.dave):
        Comment.objects.create(author=author, objective=week.scheduler, body="Nice", html="Nice")
    Comment.objects.create(author=company.bob, objective=week.quiet, body="Shh", html="Shh")
    clock.move_to(moment(MONDAY, 7))
    send_digests(MONDAY)
    alice = digest_of(company.alice).body
    assert "Your objectives: comments this week" in alice
    assert "Ship the scheduler: 2 new comments, the latest by Dave" in alice
    assert "Quiet platform work" not in alice.split("comments this week")[1].split("Platform")[0]
    assert "Quiet platform work: 1 new comment, the latest by Bob" in digest_of(company.bob).body
    assert "Shh" not in digest_of(company.dave).body and "Quiet" not in digest_of(company.dave).body
