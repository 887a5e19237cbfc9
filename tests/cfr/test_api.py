from datetime import date

import pytest

from stretch.cfr import services
from stretch.cfr.models import ActionItem
from stretch.okrs.models import Objective
from tests.cfr.conftest import FIRST_MEETING
from tests.conftest import Api


@pytest.fixture
def alice(company):
    return Api(company.alice)


@pytest.fixture
def bob(company):
    return Api(company.bob)


def new(company, **extra):
    return {
        "participants": [company.alice.pk, company.bob.pk],
        "title": "Weekly",
        "cadence": "weekly",
        "first_meeting_at": "2026-10-05T10:00:00Z",
        "template": "okr_planning",
        **extra,
    }


def test_a_person_starts_a_one_on_one_and_both_see_it(company, clock, alice, bob):
    created = alice.post("/conversations", new(company))
    assert created.status_code == 201, created.json_body
    body = created.json_body
    assert [p["name"] for p in body["participants"]] == ["Alice", "Bob"]
    assert body["next_meeting"]["scheduled_at"].startswith("2026-10-05T10:00")
    listed = bob.get("/conversations").json_body
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert listed["items"][0]["next_meeting_at"].startswith("2026-10-05")
    agenda = bob.get(f"/conversations/{body['id']}/agenda").json_body
    assert agenda["items"][0]["text"] == "What matters most next cycle"


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"participants": "self"}, "participants"),
        ({"participants": [1, 2, 3]}, "participants"),
        ({"participants": "unknown"}, "participants"),
        ({"title": ""}, "title"),
        ({"cadence": "hourly"}, "cadence"),
        ({"template": "x"}, "template"),
        ({"first_meeting_at": None}, "first_meeting_at"),
    ],
)
def test_bad_conversations_are_refused_naming_the_field(company, clock, alice, extra, field):
    if extra.get("participants") == "self":
        extra = {"participants": [company.alice.pk, company.alice.pk]}
    if extra.get("participants") == "unknown":
        extra = {"participants": [company.alice.pk, 987_654]}
    answer = alice.post("/conversations", new(company, **extra))
    assert answer.status_code == 400
    assert answer.json_body["field"] == field


def test_a_malformed_date_is_a_4xx(company, clock, alice):
    answer = alice.post("/conversations", new(company, first_meeting_at="soon"))
    assert 400 <= answer.status_code < 500
    assert "first_meeting_at" in str(answer.json_body)


def test_nobody_else_sees_the_conversation_not_even_an_administrator(company, one_on_one):
    for outsider in (company.dave, company.admin, company.carol):
        api = Api(outsider)
        assert api.get(f"/conversations/{one_on_one.pk}").status_code == 404
        assert api.get(f"/conversations/{one_on_one.pk}/agenda").status_code == 404
        assert api.post(f"/conversations/{one_on_one.pk}/agenda", {"text": "x"}).status_code == 404
        meeting = services.next_meeting(one_on_one)
        path = f"/conversations/{one_on_one.pk}/meetings/{meeting.pk}"
        assert api.patch(path, {"shared_notes": "x"}).status_code == 404
        assert api.get(path + "/private-note").status_code == 404
        assert api.get("/conversations").json_body["count"] == 0


def test_a_private_note_never_reaches_the_other_participant(company, one_on_one, alice, bob):
    meeting = services.next_meeting(one_on_one)
    path = f"/conversations/{one_on_one.pk}/meetings/{meeting.pk}/private-note"
    assert alice.request("put", path, {"text": "Nervous about it"}).json_body["text"] == (
        "Nervous about it"
    )
    assert alice.get(path).json_body["text"] == "Nervous about it"
    assert bob.get(path).json_body["text"] == ""
    for answer in (
        bob.get(f"/conversations/{one_on_one.pk}"),
        bob.get(f"/conversations/{one_on_one.pk}/agenda"),
        bob.get("/conversations"),
    ):
        assert "Nervous" not in answer.content.decode()


def test_the_agenda_shows_a_linked_key_results_live_progress(company, one_on_one, kr, alice, bob):
    added = alice.post(
        f"/conversations/{one_on_one.pk}/agenda", {"text": "Jobs", "key_result": kr.pk}
    )
    assert added.status_code == 201
    assert added.json_body["linked"]["progress"] == pytest.approx(0.5)
    items = bob.get(f"/conversations/{one_on_one.pk}/agenda").json_body["items"]
    assert items[-1]["linked"] == {
        **items[-1]["linked"],
        "type": "key_result",
        "id": kr.pk,
        "title": "Jobs migrated",
    }


def test_a_link_the_other_cannot_see_is_refused_naming_the_field(company, clock, objective, kr):
    Objective.objects.filter(pk=objective.pk).update(visibility=Objective.Visibility.PRIVATE)
    api = Api(company.alice)
    conversation = api.post(
        "/conversations", {**new(company), "participants": [company.alice.pk, company.dave.pk]}
    ).json_body["id"]
    for body, field in [
        ({"text": "x", "objective": objective.pk}, "objective"),
        ({"text": "x", "key_result": kr.pk}, "key_result"),
        ({"text": "x", "objective": 99_999}, "objective"),
        ({"text": ""}, "text"),
    ]:
        answer = api.post(f"/conversations/{conversation}/agenda", body)
        assert answer.status_code == 400 and answer.json_body["field"] == field


def test_marking_a_meeting_done_schedules_the_next(company, one_on_one, bob):
    meeting = services.next_meeting(one_on_one)
    path = f"/conversations/{one_on_one.pk}/meetings/{meeting.pk}"
    answer = bob.patch(path, {"shared_notes": "Talked", "status": "done"})
    assert answer.json_body["status"] == "done"
    detail = bob.get(f"/conversations/{one_on_one.pk}").json_body
    assert detail["next_meeting"]["scheduled_at"].startswith("2026-10-12")
    assert detail["past"][0]["shared_notes"] == "Talked"
    assert bob.patch(path, {"status": "maybe"}).json_body["field"] == "status"


def test_action_items_are_made_listed_and_done(company, one_on_one, alice, bob):
    made = bob.post(
        "/action-items",
        {
            "conversation": one_on_one.pk,
            "text": "Read the book",
            "owner": company.alice.pk,
            "due": "2026-10-09",
        },
    )
    assert made.status_code == 201
    mine = alice.get("/action-items").json_body
    assert [i["text"] for i in mine["items"]] == ["Read the book"]
    assert bob.get("/action-items").json_body["count"] == 0
    item = made.json_body["id"]
    assert Api(company.dave).patch(f"/action-items/{item}", {"done": True}).status_code == 404
    assert alice.patch(f"/action-items/{item}", {"done": True}).json_body["done"] is True
    assert alice.get("/action-items").json_body["count"] == 0
    assert ActionItem.objects.get().due == date(2026, 10, 9)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"text": "x", "owner": 0}, "owner"),
        ({"text": "", "owner": None}, "text"),
        ({"text": "x", "owner": None, "conversation": 99_999}, "conversation"),
    ],
)
def test_bad_action_items_are_refused_naming_the_field(company, one_on_one, bob, body, field):
    body = {"conversation": one_on_one.pk, **body}
    if body["owner"] is None:
        body["owner"] = company.alice.pk
    if body["owner"] == 0:
        body["owner"] = company.dave.pk
    answer = bob.post("/action-items", body)
    assert answer.status_code == 400 and answer.json_body["field"] == field


def test_an_outsider_cannot_add_action_items_to_a_conversation(company, one_on_one):
    answer = Api(company.dave).post(
        "/action-items", {"conversation": one_on_one.pk, "text": "x", "owner": company.dave.pk}
    )
    assert answer.status_code == 400 and answer.json_body["field"] == "conversation"


def test_the_list_runs_a_bounded_number_of_queries(
    company, clock, kr, bob, django_assert_max_num_queries
):
    for i in range(6):
        c = services.create_conversation(
            company.bob,
            participants=[company.bob.pk, company.alice.pk if i % 2 else company.carol.pk],
            title=f"1:1 {i}",
            cadence="weekly",
            first_meeting_at=FIRST_MEETING,
        )
        services.add_agenda_item(company.bob, c, text="Jobs", key_result=kr.pk)
    with django_assert_max_num_queries(5):
        assert bob.get("/conversations").json_body["count"] == 6
    with django_assert_max_num_queries(12):
        assert len(bob.get(f"/conversations/{c.pk}/agenda").json_body["items"]) == 1


def test_huge_ids_are_a_4xx_not_a_crash(company, one_on_one, bob):
    huge = 2**70
    assert 400 <= bob.get(f"/conversations/{huge}").status_code < 500
    assert 400 <= bob.patch(f"/action-items/{huge}", {"done": True}).status_code < 500
    answer = bob.post(f"/conversations/{one_on_one.pk}/agenda", {"text": "x", "key_result": huge})
    assert 400 <= answer.status_code < 500


def test_a_link_that_became_private_is_hidden_from_the_participant_who_lost_sight(
    company, clock, objective, kr
):
    api = Api(company.alice)
    body = {**new(company), "participants": [company.alice.pk, company.dave.pk]}
    conversation = api.post("/conversations", body).json_body["id"]
    api.post(f"/conversations/{conversation}/agenda", {"text": "Jobs", "key_result": kr.pk})
    Objective.objects.filter(pk=objective.pk).update(visibility=Objective.Visibility.PRIVATE)
    items = Api(company.dave).get(f"/conversations/{conversation}/agenda").json_body["items"]
    assert items[-1]["text"] == "Jobs" and items[-1]["linked"] is None
    assert "Jobs migrated" not in str(items)
    mine = api.get(f"/conversations/{conversation}/agenda").json_body["items"]
    assert mine[-1]["linked"]["title"] == "Jobs migrated"
