"""Who hears of what: notifications made from activities (stretch.social.fanout)."""

from datetime import date

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from stretch.okrs import services as okrs
from stretch.okrs.models import Objective
from stretch.social import events, fanout, follows
from stretch.social.models import Activity, Comment, Notification, NotificationPreference

from .conftest import check_in, moment


def kinds_of(person):
    return list(Notification.objects.filter(recipient=person).values_list("kind", flat=True))


def team_objective(company, q4):
    return okrs.create_objective(
        company.bob, cycle=q4, title="Platform is boring", owner_team=company.platform
    )


def test_a_check_in_on_an_objective_aligned_to_mine_tells_its_owner(company, q4, kr):
    parent = team_objective(company, q4)
    okrs.update_objective(company.alice, kr.objective, {"parent": parent})
    check_in(company.alice, kr, 20, date(2026, 10, 2), confidence=8)
    notification = Notification.objects.get(recipient=company.bob, kind="check_in")
    assert notification.title == "Alice checked in on “Jobs migrated”: 20 · confidence 8/10"
    assert notification.url == f"/objectives/{kr.objective.pk}/#kr-{kr.pk}"
    assert kinds_of(company.alice) == []  # never the one who did it


def test_the_owner_of_an_objective_hears_of_check_ins_by_a_key_result_owner(company, q4, kr):
    kr = okrs.update_key_result(company.alice, kr, {"owner": company.bob})
    check_in(company.bob, kr, 10, date(2026, 10, 2))
    assert kinds_of(company.alice) == ["check_in"]


def test_a_key_result_going_off_track_is_told_once(company, q4, kr):
    kr = okrs.update_key_result(company.alice, kr, {"owner": company.bob})
    check_in(company.bob, kr, 10, date(2026, 10, 2), confidence=2)
    check_in(company.bob, kr, 12, date(2026, 10, 3), confidence=2)  # still off track
    off_track = Notification.objects.filter(kind="off_track")
    assert [n.recipient for n in off_track] == [company.alice]
    assert off_track[0].title == "“Jobs migrated” went off track (10 · confidence 2/10)"
    assert Activity.objects.filter(verb="off_track").count() == 1


def test_nobody_hears_of_a_private_objective_they_may_not_see(company, q4, kr):
    follows.set_following(company.dave, following=True, person=company.alice)
    okrs.update_objective(company.alice, kr.objective, {"visibility": "private"})
    okrs.create_objective(
        company.alice, cycle=q4, title="Secret plan", owner_person=company.alice,
        visibility=Objective.Visibility.PRIVATE,
    )  # fmt: skip
    okrs.create_objective(company.alice, cycle=q4, title="Open plan", owner_person=company.alice)
    titles = list(
        Notification.objects.filter(recipient=company.dave).values_list("title", flat=True)
    )
    assert titles == ["Alice created the objective “Open plan”"]


def test_a_person_who_turned_a_kind_off_hears_nothing_of_it(company, q4, kr):
    NotificationPreference.objects.create(user=company.alice, on_check_in=False)
    kr = okrs.update_key_result(company.alice, kr, {"owner": company.bob})
    check_in(company.bob, kr, 10, date(2026, 10, 2))
    assert kinds_of(company.alice) == []


def test_unfollowing_an_objective_followed_automatically_silences_it(company, q4, kr):
    kr = okrs.update_key_result(company.alice, kr, {"owner": company.bob})
    follows.set_following(company.alice, following=False, objective=kr.objective)
    check_in(company.bob, kr, 10, date(2026, 10, 2))
    assert kinds_of(company.alice) == []
    assert not follows.is_following(company.alice, objective=kr.objective)


def comment(author, objective, body, **fields):
    return Comment.objects.create(
        author=author, objective=objective, body=body, html=body, **fields
    )


def test_a_comment_tells_the_mentioned_as_a_mention_and_the_owner_as_a_comment(company, q4, kr):
    note = comment(company.dave, kr.objective, "@bob look at this")
    events.record(events.Verb.COMMENT, company.dave, comment=note, mentions=[company.bob])
    assert kinds_of(company.bob) == ["mention"]
    assert kinds_of(company.alice) == ["comment"]
    mention = Notification.objects.get(recipient=company.bob)
    assert mention.title == "Dave mentioned you on “Ship the scheduler”"
    assert mention.body == "@bob look at this"
    assert mention.url.endswith(f"#comment-{note.pk}")


def test_a_reply_tells_the_author_of_the_comment_replied_to(company, q4, kr):
    first = comment(company.bob, kr.objective, "Why 200?")
    reply = comment(company.dave, kr.objective, "Because.", parent=first)
    events.record(events.Verb.COMMENT, company.dave, comment=reply)
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles["bob"] == "Dave replied to your comment on “Ship the scheduler”"
    assert titles["alice"] == "Dave commented on “Ship the scheduler”"


def test_a_request_reaches_exactly_its_recipients(company, q4, kr):
    events.record(
        events.Verb.PROPOSED, company.alice, objective=kr.objective, recipients=[company.bob],
        data={"message": "Agree?"},
    )  # fmt: skip
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (company.bob, "agreement_request")
    assert notification.body == "Agree?"


def test_following_a_team_tells_of_its_new_objectives(company, q4):
    follows.set_following(company.dave, following=True, team=company.platform)
    team_objective(company, q4)
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("dave", "activity")
    ]


def test_email_each_is_queued_after_the_commit_and_sent_by_the_worker(
    company, q4, kr, django_capture_on_commit_callbacks
):
    kr = okrs.update_key_result(company.alice, kr, {"owner": company.bob})
    with django_capture_on_commit_callbacks(execute=True):
        check_in(company.bob, kr, 10, date(2026, 10, 2))
    assert mail.outbox == []  # nothing is sent inside the request
    queued = DBTaskResult.objects.get(task_path=fanout.email_notifications.module_path)
    fanout.email_notifications.call(*queued.args_kwargs["args"])
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "Bob checked in on “Jobs migrated”" in mail.outbox[0].subject


def test_the_daily_email_gathers_a_day_of_notifications_once(company, q4, kr):
    NotificationPreference.objects.create(user=company.alice, email_activity="daily")
    kr = okrs.update_key_result(company.alice, kr, {"owner": company.bob})
    check_in(company.bob, kr, 10, date(2026, 10, 2))
    check_in(company.bob, kr, 20, date(2026, 10, 3))
    assert Notification.objects.filter(recipient=company.alice, email_pending=True).count() == 2
    assert fanout.send_daily_emails(date(2026, 10, 3)) == 1
    assert fanout.send_daily_emails(date(2026, 10, 3)) == 0
    (sent,) = mail.outbox
    assert "2 new notifications" in sent.subject
    assert "Bob checked in on “Jobs migrated”: 20" in sent.body
    assert not Notification.objects.filter(email_pending=True).exists()


def test_email_never_sends_no_email(company, q4, kr, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=company.alice, email_activity="never")
    kr = okrs.update_key_result(company.alice, kr, {"owner": company.bob})
    with django_capture_on_commit_callbacks(execute=True):
        check_in(company.bob, kr, 10, date(2026, 10, 2))
    assert kinds_of(company.alice) == ["check_in"]
    assert not DBTaskResult.objects.filter(task_path=fanout.email_notifications.module_path)
    assert not Notification.objects.filter(email_pending=True).exists()


def test_a_check_in_dated_in_the_past_goes_into_the_feed_but_tells_nobody(company, q4, kr, clock):
    kr = okrs.update_key_result(company.alice, kr, {"owner": company.bob})
    clock.move_to(moment(date(2026, 10, 20)))
    check_in(company.bob, kr, 10, date(2026, 10, 5), confidence=2)  # history, loaded late
    assert Activity.objects.filter(verb="check_in").count() == 1
    assert Activity.objects.filter(verb="off_track").count() == 1
    assert kinds_of(company.alice) == []


def test_an_edited_comment_tells_only_the_people_it_newly_mentions(company, q4, kr, api_as):
    from stretch.social import comments

    note = comments.create_comment(company.dave, objective=kr.objective, body="Looks good")
    assert kinds_of(company.alice) == ["comment"]
    comments.edit_comment(company.dave, note, "Looks good, @bob?")
    assert kinds_of(company.alice) == ["comment"]  # not told again
    assert kinds_of(company.bob) == ["mention"]
    feed = api_as(company.carol).get("/feed?verb=comment").json_body
    assert [item["text"] for item in feed["items"]] == ["Dave commented on “Ship the scheduler”"]


def test_the_inbox_shows_a_notification_in_the_language_of_the_page(company, q4, kr):
    from django.test import Client

    kr = okrs.update_key_result(company.alice, kr, {"owner": company.bob})
    check_in(company.bob, kr, 10, date(2026, 10, 2))
    client = Client()
    client.force_login(company.alice)
    english = client.get("/notifications/").content.decode()
    assert "Bob checked in on “Jobs migrated”: 10" in english
    chinese = client.get("/notifications/", headers={"accept-language": "zh-hans"})
    assert "Bob 更新了“Jobs migrated”的进展：10" in chinese.content.decode()


@pytest.mark.parametrize("followers", [3, 30])
def test_telling_the_followers_of_a_private_objective_takes_the_same_queries_for_many(
    company, q4, followers, django_assert_max_num_queries
):
    from stretch.org import services as org

    objective = okrs.create_objective(
        company.bob, cycle=q4, title="Quiet", owner_team=company.platform,
        visibility=Objective.Visibility.PRIVATE,
    )  # fmt: skip
    kr = okrs.create_key_result(company.bob, objective, title="Quiet KR", target=10)
    for n in range(followers):
        person = org.create_person(f"member{n}")
        org.set_membership(company.platform, person, "member")
        follows.set_following(person, following=True, objective=objective)
    with django_assert_max_num_queries(30):
        check_in(company.bob, kr, 1, date(2026, 10, 2))
    assert Notification.objects.filter(kind="check_in").count() == followers
