"""Feedback through the services and the API: bad input, privacy, requests."""

import pytest

from stretch.cfr import feedback
from stretch.cfr.models import Feedback, FeedbackRequest
from stretch.okrs.models import Objective
from stretch.social.models import Notification
from tests.conftest import Api


def give(api, receiver, body="Great demo", visibility="private", **extra):
    return api.post(
        "/feedback", {"receiver": receiver.pk, "body": body, "visibility": visibility, **extra}
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"receiver": 999999, "body": "x", "visibility": "private"}, "receiver"),
        ({"receiver": 2**70, "body": "x", "visibility": "private"}, "receiver"),
        ({"body": "x", "visibility": "private"}, "receiver"),
        ({"receiver": "self", "body": "x", "visibility": "private"}, "receiver"),
        ({"receiver": "bob", "body": "  ", "visibility": "private"}, "body"),
        ({"receiver": "bob", "body": "x" * 5001, "visibility": "private"}, "body"),
        ({"receiver": "bob", "body": "x", "visibility": "team"}, "visibility"),
        ({"receiver": "bob", "body": "x", "visibility": "private", "objective": 999}, "objective"),
    ],
)
def test_bad_feedback_is_a_4xx_naming_the_field(company, payload, field):
    people = {"self": company.alice.pk, "bob": company.bob.pk}
    if isinstance(payload.get("receiver"), str):
        payload = {**payload, "receiver": people[payload["receiver"]]}
    answer = Api(company.alice).post("/feedback", payload)
    assert 400 <= answer.status_code < 500
    assert field in str(answer.json_body)
    assert not Feedback.objects.exists()


def test_public_feedback_about_a_private_objective_is_refused(company, objective):
    Objective.objects.filter(pk=objective.pk).update(visibility="private")
    answer = give(Api(company.alice), company.bob, visibility="public", objective=objective.pk)
    assert answer.status_code == 400 and answer.json_body["field"] == "objective"


def test_feedback_about_an_objective_the_receiver_cannot_see_is_refused(company, objective):
    Objective.objects.filter(pk=objective.pk).update(visibility="private")
    answer = give(Api(company.alice), company.dave, objective=objective.pk)
    assert answer.status_code == 400 and answer.json_body["field"] == "objective"


def test_upward_feedback_reaches_the_manager_and_is_in_both_inboxes(company, objective):
    answer = give(
        Api(company.alice), company.bob, body="Thanks for the cover", objective=objective.pk
    )
    assert answer.status_code == 201
    assert answer.json_body["objective"]["id"] == objective.pk
    received = Api(company.bob).get("/feedback?box=received").json_body
    given = Api(company.alice).get("/feedback?box=given").json_body
    assert [i["body"] for i in received["items"]] == ["Thanks for the cover"]
    assert given["count"] == 1
    note = Notification.objects.get(recipient=company.bob)
    assert "Alice" in note.title and "Thanks for the cover" not in note.body
    assert note.kind == Notification.Kind.FEEDBACK


def test_private_feedback_is_seen_only_by_giver_and_receiver(company):
    pk = give(Api(company.bob), company.alice, body="Private words").json_body["id"]
    for insider in (company.alice, company.bob):
        assert Api(insider).get(f"/feedback/{pk}").status_code == 200
    for outsider in (company.dave, company.carol, company.admin):
        api = Api(outsider)
        assert api.get(f"/feedback/{pk}").status_code == 404
        assert api.get("/feedback?box=visible").json_body["count"] == 0
    assert set(Notification.objects.values_list("recipient", flat=True)) == {company.alice.pk}
    assert not Notification.objects.filter(body__contains="Private words").exists()


def test_manager_feedback_is_seen_by_the_managers_up_the_line_only(company):
    pk = give(Api(company.dave), company.alice, visibility="manager").json_body["id"]
    for viewer in (company.alice, company.dave, company.bob, company.carol, company.ceo):
        assert Api(viewer).get(f"/feedback/{pk}").status_code == 200, viewer
    other = give(Api(company.carol), company.dave, visibility="manager").json_body["id"]
    for outsider in (company.admin, company.bob, company.alice):
        assert Api(outsider).get(f"/feedback/{other}").status_code == 404


def test_public_feedback_is_seen_by_everyone(company):
    pk = give(Api(company.bob), company.alice, visibility="public").json_body["id"]
    visible = Api(company.dave).get("/feedback?box=visible").json_body
    assert [i["id"] for i in visible["items"]] == [pk]


def test_visible_feedback_is_the_one_gate(company):
    f = feedback.give_feedback(
        company.bob, receiver=company.alice.pk, body="x", visibility="private"
    )
    assert list(feedback.visible_feedback(company.admin)) == []
    assert list(feedback.visible_feedback(company.alice)) == [f]


def test_a_request_to_several_people_is_one_row_each_and_each_hears(company):
    answer = Api(company.alice).post(
        "/feedback-requests",
        {"people": [company.bob.pk, company.dave.pk], "about": "My talk", "question": "Pace?"},
    )
    assert answer.status_code == 201 and len(answer.json_body["items"]) == 2
    assert FeedbackRequest.objects.count() == 2
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        company.bob.pk,
        company.dave.pk,
    }
    incoming = Api(company.bob).get("/feedback-requests?box=incoming").json_body
    outgoing = Api(company.alice).get("/feedback-requests?box=outgoing").json_body
    assert incoming["count"] == 1 and outgoing["count"] == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"people": [], "about": "x"}, "people"),
        ({"people": ["self"], "about": "x"}, "people"),
        ({"people": [999999], "about": "x"}, "people"),
        ({"people": ["bob"], "about": ""}, "about"),
        ({"people": ["bob"], "about": "x" * 301}, "about"),
        ({"people": ["bob"], "about": "x", "objective": 999}, "objective"),
    ],
)
def test_bad_requests_are_a_4xx_naming_the_field(company, payload, field):
    ids = {"self": company.alice.pk, "bob": company.bob.pk}
    payload = {**payload, "people": [ids.get(p, p) for p in payload["people"]]}
    answer = Api(company.alice).post("/feedback-requests", payload)
    assert answer.status_code == 400 and answer.json_body["field"] == field


@pytest.fixture
def asked(company):
    return feedback.request_feedback(company.alice, people=[company.bob.pk], about="My talk")[0]


def test_answering_a_request_gives_feedback_to_the_requester(company, asked):
    answer = Api(company.bob).post(
        f"/feedback-requests/{asked.pk}/answer", {"body": "Slow down", "visibility": "private"}
    )
    assert answer.status_code == 201 and answer.json_body["request"] == asked.pk
    asked.refresh_from_db()
    assert asked.state == "answered" and asked.answered_at is not None
    assert Api(company.alice).get("/feedback").json_body["items"][0]["body"] == "Slow down"
    note = Notification.objects.filter(recipient=company.alice).latest("id")
    assert "answered" in note.title and "Slow down" not in note.body
    assert note.kind == Notification.Kind.FEEDBACK
    again = Api(company.bob).post(
        f"/feedback-requests/{asked.pk}/answer", {"body": "More", "visibility": "private"}
    )
    assert again.status_code == 400 and again.json_body["field"] == "state"


def test_answering_a_request_not_addressed_to_you_is_refused(company, asked):
    requester = Api(company.alice).post(
        f"/feedback-requests/{asked.pk}/answer", {"body": "Me", "visibility": "private"}
    )
    assert requester.status_code == 403
    outsider = Api(company.dave).post(
        f"/feedback-requests/{asked.pk}/answer", {"body": "Me", "visibility": "private"}
    )
    assert outsider.status_code == 404
    assert Api(company.admin).get(f"/feedback-requests/{asked.pk}").status_code == 404
    assert not Feedback.objects.exists()


def test_a_bad_answer_names_the_field(company, asked):
    api = Api(company.bob)
    empty = api.post(f"/feedback-requests/{asked.pk}/answer", {"body": "", "visibility": "private"})
    odd = api.post(f"/feedback-requests/{asked.pk}/answer", {"body": "x", "visibility": "odd"})
    assert empty.json_body["field"] == "body" and odd.json_body["field"] == "visibility"


def test_declining_tells_the_requester_with_the_reason(company, asked):
    answer = Api(company.bob).post(
        f"/feedback-requests/{asked.pk}/decline", {"reason": "Missed it"}
    )
    assert answer.status_code == 200 and answer.json_body["state"] == "declined"
    note = Notification.objects.filter(recipient=company.alice).latest("id")
    assert "declined" in note.title and note.body == "Missed it"
    assert Api(company.alice).post(f"/feedback-requests/{asked.pk}/decline").status_code == 403


def test_the_list_runs_a_bounded_number_of_queries(company, django_assert_max_num_queries):
    api = Api(company.bob)

    def make(n):
        for i in range(n):
            feedback.give_feedback(
                company.dave, receiver=company.alice.pk, body=f"#{i}", visibility="public"
            )

    make(2)
    with django_assert_max_num_queries(12):
        small = api.get("/feedback?box=visible")
    make(20)
    with django_assert_max_num_queries(12):
        large = api.get("/feedback?box=visible")
    assert small.json_body["count"] == 2 and large.json_body["count"] == 22


def test_the_receivers_own_manager_does_not_see_private_feedback(company):
    pk = give(Api(company.dave), company.alice, body="Between us").json_body["id"]
    manager = Api(company.bob)
    assert manager.get(f"/feedback/{pk}").status_code == 404
    assert manager.get("/feedback?box=visible").json_body["count"] == 0
    assert not Notification.objects.filter(recipient=company.bob).exists()
