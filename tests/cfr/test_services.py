from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from stretch.cfr import services
from stretch.cfr.models import Meeting
from stretch.cfr.reminders import send_meeting_reminders
from stretch.okrs import services as okrs
from stretch.okrs.models import Objective
from stretch.social.models import Notification
from stretch.social.tasks import rhythm_pass
from tests.cfr.conftest import FIRST_MEETING


def field_of(error: ValidationError) -> str:
    return next(iter(error.value.message_dict))


def create(actor, participants, **extra):
    fields = {
        "title": "1:1",
        "cadence": "weekly",
        "first_meeting_at": FIRST_MEETING,
        "template": "",
        **extra,
    }
    return services.create_conversation(actor, participants=participants, **fields)


def test_a_new_one_on_one_has_its_first_meeting_with_the_templates_talking_points(one_on_one):
    meeting = services.next_meeting(one_on_one)
    assert meeting.scheduled_at == FIRST_MEETING
    assert [i.text for i in meeting.agenda.all()] == [
        "How are you doing?",
        "Wins since last time",
        "Blockers and where you need help",
    ]


def test_a_one_on_one_with_oneself_is_refused_on_participants(company):
    with pytest.raises(ValidationError) as error:
        create(company.alice, [company.alice.pk, company.alice.pk])
    assert field_of(error) == "participants"


@pytest.mark.parametrize("participants", [[1], [], "x"])
def test_a_one_on_one_needs_two_participants(company, participants):
    with pytest.raises(ValidationError) as error:
        create(company.alice, participants)
    assert field_of(error) == "participants"


def test_an_unknown_person_is_refused_on_participants(company):
    with pytest.raises(ValidationError) as error:
        create(company.alice, [company.alice.pk, 999_999])
    assert field_of(error) == "participants"


def test_a_person_may_not_set_up_a_one_on_one_of_two_others(company):
    with pytest.raises(ValidationError) as error:
        create(company.dave, [company.alice.pk, company.bob.pk])
    assert field_of(error) == "participants"


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"title": " "}, "title"),
        ({"cadence": "daily"}, "cadence"),
        ({"template": "nope"}, "template"),
        ({"first_meeting_at": None}, "first_meeting_at"),
    ],
)
def test_bad_fields_are_refused_by_name(company, extra, field):
    with pytest.raises(ValidationError) as error:
        create(company.alice, [company.alice.pk, company.bob.pk], **extra)
    assert field_of(error) == field


def test_only_the_two_participants_find_the_conversation(company, one_on_one):
    assert services.get_conversation(company.alice, one_on_one.pk) == one_on_one
    for outsider in (company.dave, company.admin, company.carol):
        with pytest.raises(Http404):
            services.get_conversation(outsider, one_on_one.pk)


@pytest.mark.parametrize(
    "cadence, after",
    [
        ("weekly", datetime(2026, 10, 12, 10, tzinfo=UTC)),
        ("biweekly", datetime(2026, 10, 19, 10, tzinfo=UTC)),
        ("monthly", datetime(2026, 11, 5, 10, tzinfo=UTC)),
    ],
)
def test_a_meeting_marked_done_schedules_the_next_by_the_cadence(company, clock, cadence, after):
    conversation = create(company.alice, [company.alice.pk, company.bob.pk], cadence=cadence)
    meeting = services.next_meeting(conversation)
    services.update_meeting(company.bob, meeting, shared_notes="Good talk", status="done")
    assert services.next_meeting(conversation).scheduled_at == after
    # Marking it done again schedules nothing more.
    services.update_meeting(company.bob, meeting, status="done")
    assert conversation.meetings.count() == 2


def test_a_one_off_conversation_has_no_next_meeting_once_done(company, clock):
    conversation = create(company.alice, [company.alice.pk, company.bob.pk], cadence="none")
    services.update_meeting(company.alice, services.next_meeting(conversation), status="done")
    assert services.next_meeting(conversation) is None
    with pytest.raises(ValidationError) as error:
        services.add_agenda_item(company.alice, conversation, text="Anything")
    assert field_of(error) == "meeting"


def test_an_unknown_status_is_refused_on_status(company, one_on_one):
    with pytest.raises(ValidationError) as error:
        services.update_meeting(company.bob, services.next_meeting(one_on_one), status="later")
    assert field_of(error) == "status"


def test_an_agenda_item_tells_the_other_participant(company, one_on_one, kr):
    item = services.add_agenda_item(
        company.alice, one_on_one, text="The scheduler", key_result=kr.pk
    )
    assert item.key_result == kr and item.meeting == services.next_meeting(one_on_one)
    notice = Notification.objects.get(recipient=company.bob)
    assert notice.kind == Notification.Kind.ONE_ON_ONE
    assert "Alice added to the agenda" in notice.title
    assert notice.url == f"/one-on-ones/{one_on_one.pk}/"
    assert not Notification.objects.filter(recipient=company.alice).exists()


def test_a_linked_okr_must_be_visible_to_both_participants(company, objective, kr):
    Objective.objects.filter(pk=objective.pk).update(visibility=Objective.Visibility.PRIVATE)
    # alice and dave: dave cannot see alice's private objective.
    conversation = create(company.alice, [company.alice.pk, company.dave.pk])
    with pytest.raises(ValidationError) as error:
        services.add_agenda_item(company.alice, conversation, text="x", objective=objective.pk)
    assert field_of(error) == "objective"
    with pytest.raises(ValidationError) as error:
        services.add_agenda_item(company.alice, conversation, text="x", key_result=kr.pk)
    assert field_of(error) == "key_result"
    # Dave asking about it himself: as if it did not exist.
    with pytest.raises(ValidationError) as error:
        services.add_agenda_item(company.dave, conversation, text="x", objective=objective.pk)
    assert field_of(error) == "objective"
    # bob, alice's manager, sees it: fine.
    with_bob = create(company.alice, [company.alice.pk, company.bob.pk])
    assert services.add_agenda_item(company.alice, with_bob, text="x", objective=objective.pk)


def test_an_empty_talking_point_is_refused_on_text(company, one_on_one):
    with pytest.raises(ValidationError) as error:
        services.add_agenda_item(company.alice, one_on_one, text="  ")
    assert field_of(error) == "text"


def test_a_private_note_is_only_its_authors(company, one_on_one):
    meeting = services.next_meeting(one_on_one)
    services.set_private_note(company.alice, meeting, "Ask for a raise")
    services.set_private_note(company.alice, meeting, "Ask for a raise, politely")
    assert services.private_note_of(company.alice, meeting) == "Ask for a raise, politely"
    assert services.private_note_of(company.bob, meeting) == ""
    with pytest.raises(Http404):
        services.set_private_note(company.dave, meeting, "snoop")


def test_an_open_action_item_carries_over_to_every_next_meeting_until_done(company, one_on_one):
    item = services.add_action_item(
        company.bob, one_on_one, text="Book the training", owner=company.alice.pk
    )
    for _round in range(2):
        services.update_meeting(company.bob, services.next_meeting(one_on_one), status="done")
        assert list(services.open_action_items(one_on_one)) == [item]
    services.set_action_item_done(company.alice, item, True)
    assert list(services.open_action_items(one_on_one)) == []


def test_an_action_item_owner_must_be_a_participant(company, one_on_one):
    with pytest.raises(ValidationError) as error:
        services.add_action_item(company.bob, one_on_one, text="x", owner=company.dave.pk)
    assert field_of(error) == "owner"


def test_reminders_go_the_day_before_each_meeting_once(company, one_on_one, clock):
    day_before = FIRST_MEETING.date() - timedelta(days=1)
    assert send_meeting_reminders(day_before - timedelta(days=1)) == 0
    assert send_meeting_reminders(day_before) == 2
    assert send_meeting_reminders(day_before) == 0
    titles = list(Notification.objects.values_list("title", flat=True))
    assert sorted(titles) == [
        "Your 1:1 “Bob and Alice” with Alice is tomorrow",
        "Your 1:1 “Bob and Alice” with Bob is tomorrow",
    ]


def test_the_rhythm_pass_sends_one_on_one_reminders_once(company, one_on_one, clock):
    day_before = date(2026, 10, 4)
    assert rhythm_pass(day_before)["one_on_one_reminders_sent"] == 2
    assert rhythm_pass(day_before)["one_on_one_reminders_sent"] == 0


def test_an_action_item_due_tomorrow_and_today_is_announced_to_its_owner(company, one_on_one):
    services.add_action_item(
        company.bob, one_on_one, text="Book it", owner=company.alice.pk, due=date(2026, 10, 3)
    )
    assert send_meeting_reminders(date(2026, 10, 2)) == 1
    assert send_meeting_reminders(date(2026, 10, 2)) == 0
    assert send_meeting_reminders(date(2026, 10, 3)) == 1
    titles = list(
        Notification.objects.filter(recipient=company.alice).values_list("title", flat=True)
    )
    assert sorted(titles) == ["Action item due today: Book it", "Action item due tomorrow: Book it"]


def test_reminders_are_in_the_recipients_language(company, one_on_one):
    company.alice.profile.locale = "zh-hans"
    company.alice.profile.save()
    send_meeting_reminders(date(2026, 10, 4))
    mine = Notification.objects.get(recipient=company.alice)
    assert mine.kind == Notification.Kind.ONE_ON_ONE


def test_a_done_meeting_is_not_reminded(company, one_on_one):
    Meeting.objects.update(status=Meeting.Status.CANCELLED)
    assert send_meeting_reminders(date(2026, 10, 4)) == 0


def test_an_agenda_shows_live_progress_of_a_linked_key_result(company, one_on_one, kr):
    from stretch.cfr.agenda import agenda_of

    services.add_agenda_item(company.alice, one_on_one, text="Jobs", key_result=kr.pk)
    okrs.check_in(company.alice, kr, value=8)
    item = agenda_of(company.bob, services.next_meeting(one_on_one))[-1]
    assert item.linked_key_result.progress == pytest.approx(0.8)
