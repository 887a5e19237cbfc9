"""Bottom-up alignment requests: I ask that my objective contribute to someone else's, and
its owner accepts (my objective is aligned to theirs) or declines with a reason."""

import pytest

from stretch.okrs import services as okrs
from stretch.okrs.models import AlignmentRequest, Objective
from stretch.social.models import Activity, Notification
from tests.helpers import client_for
from tests.okrs.agreement_helpers import assert_names, listening, told


@pytest.fixture
def heard():
    yield from listening()


@pytest.fixture
def pair(company):
    """Alice's objective, and Dave's she wants it to contribute to."""
    mine = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Faster builds", owner_person=company.alice
    )
    theirs = okrs.create_objective(
        company.dave, cycle=company.year, title="Win the enterprise", owner_person=company.dave
    )
    return mine, theirs


def ask(api, mine, theirs, message="It helps yours"):
    return api.post(
        "/alignment-requests", {"objective": mine.pk, "target": theirs.pk, "message": message}
    )


def test_the_round_trip_request_then_accept_aligns_my_objective(company, api_as, pair, heard):
    mine, theirs = pair
    made = ask(api_as(company.alice), mine, theirs)
    assert made.status_code == 201, made.json_body
    assert made.json_body["state"] == "pending"
    assert made.json_body["can_answer"] is False
    assert told(heard, "alignment_requested") == [
        (
            {company.dave.pk},
            {
                "target_id": theirs.pk,
                "target_title": "Win the enterprise",
                "message": "It helps yours",
                "request_id": made.json_body["id"],
            },
        )
    ]
    accepted = api_as(company.dave).post(
        f"/alignment-requests/{made.json_body['id']}/accept", {"reason": "Welcome aboard"}
    )
    assert accepted.status_code == 200, accepted.json_body
    assert accepted.json_body["state"] == "accepted"
    assert accepted.json_body["answered_by"]["id"] == company.dave.pk
    assert Objective.objects.get(pk=mine.pk).parent_id == theirs.pk
    people, data = told(heard, "alignment_accepted")[0]
    assert people == {company.alice.pk}
    assert (data["target_id"], data["reason"]) == (theirs.pk, "Welcome aboard")
    history = api_as(company.alice).get(f"/objectives/{mine.pk}/history").json_body["items"]
    assert any("Alignment accepted by Dave" in (item.get("reason") or "") for item in history)
    assert Notification.objects.filter(recipient=company.dave, kind="alignment_request").exists()
    assert Notification.objects.filter(recipient=company.alice, kind="alignment_answer").exists()


def test_a_request_to_a_team_objective_goes_to_the_teams_leads(company, api_as, pair, heard):
    mine, _theirs = pair
    engineering = okrs.create_objective(
        company.carol, cycle=company.quarter, title="Ship faster", owner_team=company.engineering
    )
    assert ask(api_as(company.alice), mine, engineering).status_code == 201
    assert told(heard, "alignment_requested")[0][0] == {company.carol.pk}
    incoming = api_as(company.carol).get("/alignment-requests?incoming=true").json_body
    assert [r["target"] for r in incoming["items"]] == [engineering.pk]
    assert incoming["items"][0]["can_answer"] is True


def test_declining_needs_a_reason_and_tells_the_requester(company, api_as, pair, heard):
    mine, theirs = pair
    made = ask(api_as(company.alice), mine, theirs).json_body
    dave = api_as(company.dave)
    assert_names(dave.post(f"/alignment-requests/{made['id']}/decline", {"reason": ""}), "reason")
    declined = dave.post(f"/alignment-requests/{made['id']}/decline", {"reason": "Not our focus"})
    assert declined.json_body["state"] == "declined"
    assert Objective.objects.get(pk=mine.pk).parent_id is None
    people, data = told(heard, "alignment_declined")[0]
    assert (people, data["reason"], data["target_title"]) == (
        {company.alice.pk},
        "Not our focus",
        "Win the enterprise",
    )


def test_aligning_to_itself_is_refused(company, api_as, pair):
    mine, _theirs = pair
    assert_names(ask(api_as(company.alice), mine, mine), "target")


def test_a_second_pending_request_for_the_same_pair_is_refused(company, api_as, pair):
    mine, theirs = pair
    api = api_as(company.alice)
    assert ask(api, mine, theirs).status_code == 201
    assert_names(ask(api, mine, theirs), "target")
    assert AlignmentRequest.objects.count() == 1


def test_a_cycle_the_parent_rule_forbids_is_refused(company, api_as, pair):
    mine, _theirs = pair
    below = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Below", owner_person=company.alice, parent=mine
    )
    assert_names(ask(api_as(company.alice), mine, below), "target")


def test_a_target_in_a_shorter_cycle_is_refused(company, api_as, pair):
    _mine, theirs = pair  # theirs is a year objective
    quarter_goal = okrs.create_objective(
        company.dave, cycle=company.quarter, title="Q goal", owner_person=company.dave
    )
    assert_names(ask(api_as(company.dave), theirs, quarter_goal), "target")


def test_only_those_who_may_change_the_objective_ask(company, api_as, pair):
    mine, theirs = pair
    assert ask(api_as(company.bob), mine, theirs).status_code == 403


def test_only_the_targets_owner_answers(company, api_as, pair):
    mine, theirs = pair
    made = ask(api_as(company.alice), mine, theirs).json_body
    assert api_as(company.alice).post(f"/alignment-requests/{made['id']}/accept").status_code == 403
    assert api_as(company.bob).post(f"/alignment-requests/{made['id']}/accept").status_code == 403


def test_answering_twice_is_refused(company, api_as, pair):
    mine, theirs = pair
    made = ask(api_as(company.alice), mine, theirs).json_body
    dave = api_as(company.dave)
    assert dave.post(f"/alignment-requests/{made['id']}/accept").status_code == 200
    assert_names(dave.post(f"/alignment-requests/{made['id']}/accept"), "request")


def test_the_requester_withdraws(company, api_as, pair):
    mine, theirs = pair
    api = api_as(company.alice)
    made = ask(api, mine, theirs).json_body
    assert api.post(f"/alignment-requests/{made['id']}/withdraw").json_body["state"] == "withdrawn"
    assert ask(api, mine, theirs).status_code == 201  # a new round


def test_a_private_objectives_requests_are_not_found_for_an_outsider(company, api_as):
    mine = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Secret",
        owner_person=company.alice,
        visibility="private",
    )
    bobs = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Bob's", owner_person=company.bob
    )
    made = ask(api_as(company.alice), mine, bobs)  # Bob, her manager, may see it
    assert made.status_code == 201, made.json_body
    dave = api_as(company.dave)
    assert dave.get("/alignment-requests").json_body["count"] == 0
    assert dave.post(f"/alignment-requests/{made.json_body['id']}/accept").status_code == 404
    assert (
        dave.post("/alignment-requests", {"objective": mine.pk, "target": bobs.pk}).status_code
        == 400
    )  # an unknown objective, as far as Dave knows


def test_a_private_objective_cannot_ask_someone_who_cannot_see_it(company, api_as, pair):
    _mine, theirs = pair
    secret = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Secret",
        owner_person=company.alice,
        visibility="private",
    )
    assert_names(ask(api_as(company.alice), secret, theirs), "objective")


def test_lists_filter_by_direction_and_state(company, api_as, pair):
    mine, theirs = pair
    made = ask(api_as(company.alice), mine, theirs).json_body
    alice, dave = api_as(company.alice), api_as(company.dave)
    assert alice.get("/alignment-requests?outgoing=true").json_body["count"] == 1
    assert alice.get("/alignment-requests?incoming=true").json_body["count"] == 0
    assert dave.get("/alignment-requests?incoming=true&state=pending").json_body["count"] == 1
    assert dave.get("/alignment-requests?state=declined").json_body["count"] == 0
    assert (
        alice.get(f"/alignment-requests?objective={theirs.pk}").json_body["items"][0]["id"]
        == (made["id"])
    )


@pytest.mark.parametrize("size", [2, 10])
def test_the_list_runs_a_bounded_number_of_queries(
    company, api_as, size, django_assert_max_num_queries
):
    dave = api_as(company.dave)
    target = okrs.create_objective(
        company.dave, cycle=company.year, title="Target", owner_person=company.dave
    )
    for n in range(size):
        child = okrs.create_objective(
            company.dave, cycle=company.quarter, title=f"Child {n}", owner_person=company.dave
        )
        assert ask(dave, child, target).status_code == 201
    api = api_as(company.alice)
    with django_assert_max_num_queries(10):
        assert api.get("/alignment-requests").json_body["count"] == size


# Pages --------------------------------------------------------------------------------------


def test_the_owner_asks_from_the_objective_page_and_the_target_owner_accepts_there(company, pair):
    mine, theirs = pair
    alice = client_for(company.alice)
    form = alice.get(f"/objectives/{mine.pk}/alignment-requests/new/").content.decode()
    assert "Win the enterprise" in form
    response = alice.post(
        f"/objectives/{mine.pk}/alignment-requests/new/",
        {"target": theirs.pk, "message": "Please"},
    )
    assert response.status_code == 302
    dave = client_for(company.dave)
    page = dave.get(f"/objectives/{theirs.pk}/").content.decode()
    assert "Faster builds" in page and "asks that it contribute" in page
    request = AlignmentRequest.objects.get()
    assert dave.post(f"/alignment-requests/{request.pk}/accept/", {"reason": ""}).status_code == 302
    assert Objective.objects.get(pk=mine.pk).parent_id == theirs.pk
    page = alice.get(f"/objectives/{mine.pk}/").content.decode()
    assert "Accepted" in page


def test_a_refused_request_on_the_page_says_why_with_a_400(company, pair):
    mine, _theirs = pair
    response = client_for(company.alice).post(
        f"/objectives/{mine.pk}/alignment-requests/new/", {"target": mine.pk}
    )
    assert response.status_code == 400
    assert "cannot align to itself" in response.content.decode()


def test_declining_on_the_page_without_a_reason_is_refused(company, api_as, pair):
    mine, theirs = pair
    made = ask(api_as(company.alice), mine, theirs).json_body
    response = client_for(company.dave).post(
        f"/alignment-requests/{made['id']}/decline/", {"reason": ""}
    )
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    assert not Activity.objects.filter(verb="alignment_declined").exists()
