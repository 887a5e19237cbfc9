"""Recognition through the service: the rules, the wall and its counts, comments and
reactions, and how it reaches people (feed, notifications, digest, chat webhooks)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from stretch.cfr import recognition
from stretch.cfr.models import Recognition
from stretch.okrs import services as okrs
from stretch.org.models import CompanyValue
from stretch.social import comments, digest, feed
from stretch.social.models import Activity, Comment, Notification, Reaction
from stretch.webhooks.models import Delivery, Webhook


@pytest.fixture
def values(company):
    return {
        "care": CompanyValue.objects.create(name="Care", position=0),
        "speed": CompanyValue.objects.create(name="Speed", position=1),
    }


@pytest.fixture
def goal(company):
    return okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )


def field_of(error: ValidationError) -> str:
    return next(iter(error.value.message_dict))


def give(actor, *receivers, **fields):
    fields.setdefault("message", "Thank you!")
    return recognition.give(actor, receivers=[p.pk for p in receivers], **fields)


# The rules ---------------------------------------------------------------------------------


def test_a_recognition_names_its_people_value_and_objective(company, values, goal):
    kudos = give(
        company.bob, company.alice, company.dave, message="**Great** release", value=values["care"],
        objective=goal.pk,
    )  # fmt: skip
    assert set(kudos.receivers.all()) == {company.alice, company.dave}
    assert (kudos.giver, kudos.value, kudos.objective) == (company.bob, values["care"], goal)
    assert kudos.html == "<p><strong>Great</strong> release</p>\n"


@pytest.mark.parametrize(
    ("receivers", "fields", "field"),
    [
        ([], {}, "receivers"),
        (None, {}, "receivers"),
        (["not-a-number"], {}, "receivers"),
        ([999_999], {}, "receivers"),
        ("self", {}, "receivers"),
        ("alice", {"message": "   "}, "message"),
        ("alice", {"message": "x" * (recognition.MAX_MESSAGE + 1)}, "message"),
        ("alice", {"value": 999_999}, "value"),
        ("alice", {"objective": 999_999}, "objective"),
    ],
)
def test_bad_input_is_refused_naming_the_field(company, receivers, fields, field):
    if receivers == "self":
        receivers = [company.bob.pk]
    elif receivers == "alice":
        receivers = [company.alice.pk]
    fields.setdefault("message", "Thanks")
    with pytest.raises(ValidationError) as error:
        recognition.give(company.bob, receivers=receivers, **fields)
    assert field_of(error) == field
    assert not Recognition.objects.exists()
    assert not Activity.objects.filter(verb="recognition").exists()


def test_an_archived_value_is_kept_on_old_recognitions_but_not_offered(company, values):
    old = give(company.bob, company.alice, value=values["care"])
    recognition.update_value(company.admin, values["care"], archived=True)
    with pytest.raises(ValidationError) as error:
        give(company.bob, company.alice, value=values["care"])
    assert field_of(error) == "value"
    old.refresh_from_db()
    assert old.value == values["care"]
    assert list(recognition.offered_values()) == [values["speed"]]


def test_a_private_objective_cannot_be_linked_and_one_made_private_later_is_hidden(company, goal):
    secret = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Quiet plan", owner_person=company.alice,
        visibility="private",
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        give(company.alice, company.bob, objective=secret.pk)
    assert field_of(error) == "objective"
    kudos = give(company.bob, company.alice, objective=goal.pk)
    goal.visibility = "private"
    goal.save()
    assert recognition.shown_objectives(company.alice, [kudos]) == {goal.pk}
    assert recognition.shown_objectives(company.dave, [kudos]) == set()


def test_only_administrators_set_values_and_a_value_in_use_is_archived_not_deleted(company, values):
    with pytest.raises(PermissionDenied):
        recognition.create_value(company.alice, name="Grit")
    grit = recognition.create_value(company.admin, name=" Grit ", description="Keep going")
    assert (grit.name, grit.position) == ("Grit", 2)
    with pytest.raises(ValidationError) as error:
        recognition.create_value(company.admin, name="care")
    assert field_of(error) == "name"
    assert recognition.delete_value(company.admin, grit) is True
    give(company.bob, company.alice, value=values["speed"])
    assert recognition.delete_value(company.admin, values["speed"]) is False
    values["speed"].refresh_from_db()
    assert values["speed"].archived


def test_the_giver_or_an_administrator_deletes_it_with_its_comments_and_feed_lines(company):
    kudos = give(company.bob, company.alice)
    comments.create_comment(company.dave, recognition=kudos.pk, body="Well deserved")
    with pytest.raises(PermissionDenied):
        recognition.delete(company.alice, kudos)
    recognition.delete(company.admin, kudos)
    assert not Recognition.objects.exists()
    assert not Comment.objects.exists()
    assert not Activity.objects.filter(verb__in=["recognition", "comment"]).exists()


# The wall and its counts ------------------------------------------------------------------


def test_a_team_wall_shows_recognitions_of_its_people_and_of_teams_below(company):
    of_alice = give(company.dave, company.alice)  # alice is in Platform, under Engineering
    of_dave = give(company.alice, company.dave)  # dave is in Sales
    assert list(recognition.wall(company.alice, team=company.engineering)) == [of_alice]
    assert list(recognition.wall(company.alice, team=company.sales)) == [of_dave]
    assert list(recognition.wall(company.alice, person=company.alice)) == [of_dave, of_alice]


def test_counts_per_person_and_value_over_a_cycle(company, values):
    give(company.bob, company.alice, company.dave, value=values["care"])
    give(company.dave, company.alice, value=values["care"])
    give(company.alice, company.bob, value=values["speed"])
    old = give(company.bob, company.alice, value=values["speed"])
    Recognition.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=400)
    )  # before the quarter
    counts = recognition.counts(company.alice, cycle=company.quarter)
    assert counts.total == 3
    assert counts.givers == 3
    assert counts.people[0] == (company.alice, 2)
    assert sorted((p.username, n) for p, n in counts.people) == [
        ("alice", 2), ("bob", 1), ("dave", 1)
    ]  # fmt: skip
    assert [(v.name, n) for v, n in counts.values] == [("Care", 2), ("Speed", 1)]
    team = recognition.counts(company.alice, team=company.platform, cycle=company.quarter)
    assert sorted((p.username, n) for p, n in team.people) == [("alice", 2), ("bob", 1)]


# Comments and reactions --------------------------------------------------------------------


def test_anyone_comments_and_reacts_and_the_people_involved_hear_of_a_comment(company):
    kudos = give(company.bob, company.alice)
    Notification.objects.all().delete()
    comment = comments.create_comment(company.dave, recognition=kudos.pk, body="Well deserved!")
    assert comment.recognition == kudos and comment.objective is None
    assert list(comments.visible_comments(company.ceo)) == [comment]
    heard = set(Notification.objects.values_list("recipient__username", "kind"))
    assert heard == {("bob", "comment"), ("alice", "comment")}
    reply = comments.create_comment(
        company.alice, recognition=kudos.pk, body="Thanks", parent=comment
    )
    assert reply.parent == comment
    recognition.toggle_reaction(company.dave, kudos, "🎉")
    recognition.toggle_reaction(company.carol, kudos, "🎉")
    recognition.toggle_reaction(company.carol, kudos, "🎉")  # taken back
    recognition.reactions_of([kudos], company.dave)
    assert kudos.reaction_list == [("🎉", 1, True)]
    assert kudos.comment_count == 2
    with pytest.raises(ValidationError):
        recognition.react(company.dave, kudos, "💩")
    assert Reaction.objects.count() == 1


# How it reaches people --------------------------------------------------------------------


def test_the_people_recognised_and_those_mentioned_are_notified(company):
    Notification.objects.all().delete()
    give(company.bob, company.alice, message="With help from @dave, thank you!")
    heard = dict(Notification.objects.values_list("recipient__username", "kind"))
    assert heard == {"alice": "recognition", "dave": "mention"}
    note = Notification.objects.get(recipient=company.alice)
    assert note.title == "Bob recognised Alice"
    assert note.url == f"/recognition/{Recognition.objects.get().pk}/"


def test_a_person_who_turned_recognition_notices_off_hears_nothing(company):
    from stretch.social import services as social

    social.update_preferences(company.alice, {"on_recognition": False})
    Notification.objects.all().delete()
    give(company.bob, company.alice)
    assert not Notification.objects.exists()


def test_the_feed_of_the_company_teams_and_people_tells_of_it(company, values):
    kudos = give(company.dave, company.alice, company.bob, value=values["care"])
    line = feed.feed(company.ceo).get(verb="recognition")
    assert line.recognition == kudos
    from stretch.social import activity_text

    assert activity_text.sentence(line) == "Dave recognised Alice and Bob for Care"
    assert feed.feed(company.ceo, team=company.platform).filter(pk=line.pk).exists()
    assert not feed.feed(company.ceo, team=company.sales).filter(verb="recognition").exists()
    assert feed.feed(company.ceo, person=company.bob).filter(pk=line.pk).exists()
    assert feed.feed(company.bob, following=True).filter(pk=line.pk).exists()


def test_the_weekly_digest_has_the_weeks_recognitions_of_my_teams(company):
    give(company.dave, company.alice, message="Saved the launch")
    now = timezone.now()
    groups = []
    state = digest.State(
        since=now - timedelta(days=7), until=now + timedelta(seconds=1), before={},
        health_before={}, stale=set(), by_person={}, by_team={}, teams={},
        memberships={company.bob.pk: [company.platform.pk]},
    )  # fmt: skip
    data = digest.DigestInput(company.bob, now.date(), state.since, state.until, groups, state)
    sections = digest.recognition_sections(data)
    assert [s.title for s in sections] == ["Recognition this week"]
    assert sections[0].entries[0].text == "Dave recognised Alice"
    assert sections[0].entries[0].detail == "Saved the launch"
    data.recipient, state.memberships = company.ceo, {}
    assert digest.recognition_sections(data) == []


def test_a_team_chat_webhook_hears_of_its_peoples_recognitions(company):
    hook = Webhook.objects.create(
        team=company.engineering, name="Eng chat", url="http://127.0.0.1:9/hook",
        events=["recognition"],
    )  # fmt: skip
    Webhook.objects.create(
        team=company.sales, name="Sales chat", url="http://127.0.0.1:9/sales",
        events=["recognition"],
    )  # fmt: skip
    give(company.dave, company.alice, message="Fixed the build")
    delivery = Delivery.objects.get()
    assert delivery.webhook == hook
    assert "Dave recognised Alice" in str(delivery.payload)
