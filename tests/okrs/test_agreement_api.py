"""/api/v1/objectives/{id}/proposal: a draft is proposed, discussed and agreed, then published.

Alice reports to Bob, so Bob reviews her objectives; a Platform objective goes to Carol, who
leads Engineering above it; the root team's objectives go to an administrator.
"""

import pytest

from stretch.okrs import agreement
from stretch.okrs import services as okrs
from stretch.okrs.models import Objective, Proposal
from stretch.social.models import Activity, Notification
from tests.okrs.agreement_helpers import assert_names, draft, listening, told, workflow


@pytest.fixture
def heard():
    yield from listening()


def path(objective, action=""):
    return f"/objectives/{objective.pk}/proposal{action}"


def status_of(objective) -> str:
    return Objective.objects.get(pk=objective.pk).status


# The workflow off: nothing changes -----------------------------------------------------------


def test_with_the_workflow_off_a_new_objective_is_active_and_a_draft_publishes_directly(
    company, api_as
):
    api = api_as(company.alice)
    created = api.post("/objectives", {"title": "Ship", "cycle": company.quarter.pk})
    assert created.json_body["status"] == "active"
    objective = draft(company)
    response = api.patch(f"/objectives/{objective.pk}", {"status": "active"})
    assert response.status_code == 200, response.json_body
    assert Activity.objects.filter(verb="objective_published", objective=objective).exists()


def test_with_the_workflow_off_a_proposal_is_optional_and_agreeing_publishes(
    company, api_as, heard
):
    objective = draft(company)
    made = api_as(company.alice).post(path(objective), {"message": "Does this fit?"})
    assert made.status_code == 201, made.json_body
    assert made.json_body["reviewer"] == {"id": company.bob.pk, "name": "Bob"}
    agreed = api_as(company.bob).post(path(objective, "/agree"), {})
    assert agreed.status_code == 200, agreed.json_body
    assert status_of(objective) == "active"


# The workflow on: the round trip ------------------------------------------------------------


def test_with_the_workflow_on_a_new_objective_starts_as_a_draft(company, api_as):
    workflow(on=True)
    created = api_as(company.alice).post(
        "/objectives", {"title": "Ship", "cycle": company.quarter.pk}
    )
    assert created.status_code == 201, created.json_body
    assert created.json_body["status"] == "draft"


def test_with_the_workflow_on_creating_it_active_is_refused_naming_the_reviewer(company, api_as):
    workflow(on=True)
    response = api_as(company.alice).post(
        "/objectives", {"title": "Ship", "cycle": company.quarter.pk, "status": "active"}
    )
    assert_names(response, "status")
    assert "Bob" in response.json_body["detail"]


def test_with_the_workflow_on_publishing_a_draft_directly_is_refused_naming_the_reviewer(
    company, api_as
):
    workflow(on=True)
    objective = draft(company)
    response = api_as(company.alice).patch(f"/objectives/{objective.pk}", {"status": "active"})
    assert_names(response, "status")
    assert "propose it to Bob first" in response.json_body["detail"]
    assert status_of(objective) == "draft"


def test_the_whole_round_trip_with_the_workflow_on(company, api_as, heard):
    workflow(on=True)
    objective = draft(company)
    alice, bob = api_as(company.alice), api_as(company.bob)

    first = alice.post(path(objective), {"message": "My plan for the quarter"})
    assert first.status_code == 201, first.json_body
    assert first.json_body["state"] == "pending"
    changes = bob.post(path(objective, "/request-changes"), {"answer": "Make the KR measurable"})
    assert changes.json_body["state"] == "changes_requested"
    assert status_of(objective) == "draft"
    second = alice.post(path(objective), {"message": "Measurable now"})
    assert second.status_code == 201, second.json_body
    agreed = bob.post(path(objective, "/agree"), {"answer": "Go for it"})
    assert agreed.status_code == 200, agreed.json_body
    assert agreed.json_body["state"] == "agreed"
    assert status_of(objective) == "active"

    state = alice.get(path(objective)).json_body
    assert state["current"]["id"] == second.json_body["id"]
    assert [p["state"] for p in state["history"]] == ["agreed", "changes_requested"]
    assert state["history"][1]["answer"] == "Make the KR measurable"

    proposed = told(heard, "proposed")
    assert [people for people, _data in proposed] == [{company.bob.pk}, {company.bob.pk}]
    assert proposed[0][1]["message"] == "My plan for the quarter"
    ((asked_people, asked),) = told(heard, "changes_requested")
    assert (asked_people, asked["answer"]) == ({company.alice.pk}, "Make the KR measurable")
    ((agreed_people, agreed_data),) = told(heard, "agreed")
    assert (agreed_people, agreed_data["answer"]) == ({company.alice.pk}, "Go for it")
    verbs = list(
        Activity.objects.filter(objective=objective).order_by("id").values_list("verb", flat=True)
    )
    assert verbs == [
        "proposed",
        "changes_requested",
        "proposed",
        "objective_published",
        "agreed",
    ]
    history = alice.get(f"/objectives/{objective.pk}/history").json_body["items"]
    assert any("Agreed by Bob: Go for it" in (item.get("reason") or "") for item in history)


def test_the_reviewer_is_told_in_the_inbox(company, api_as):
    objective = draft(company)
    api_as(company.alice).post(path(objective), {"message": "Please look"})
    assert Notification.objects.filter(recipient=company.bob, kind="agreement_request").exists()


# Who reviews --------------------------------------------------------------------------------


def test_a_team_objective_goes_to_a_lead_of_the_team_above(company, api_as):
    objective = draft(company, owner=company.bob, owner_person=None, owner_team=company.platform)
    made = api_as(company.bob).post(path(objective), {})
    assert made.json_body["reviewer"]["id"] == company.carol.pk


def test_a_root_team_objective_goes_to_an_administrator(company):
    objective = draft(company, owner=company.ceo, owner_person=None, owner_team=company.root)
    assert [p.pk for p in agreement.reviewers_for(objective, company.ceo)] == [company.admin.pk]


def test_an_owner_with_nobody_above_publishes_directly_even_with_the_workflow_on(company, api_as):
    workflow(on=True)
    objective = draft(company, owner=company.ceo)
    response = api_as(company.ceo).patch(f"/objectives/{objective.pk}", {"status": "active"})
    assert response.status_code == 200, response.json_body
    assert_names(api_as(company.ceo).post(path(objective), {}), "status")


def test_an_administrator_publishes_directly_even_with_the_workflow_on(company, api_as):
    workflow(on=True)
    objective = draft(company)
    response = api_as(company.admin).patch(f"/objectives/{objective.pk}", {"status": "active"})
    assert response.status_code == 200, response.json_body


def test_an_administrator_may_agree_a_proposal_addressed_to_someone_else(company, api_as):
    workflow(on=True)
    objective = draft(company)
    api_as(company.alice).post(path(objective), {})
    assert api_as(company.admin).post(path(objective, "/agree"), {}).status_code == 200
    assert status_of(objective) == "active"


def test_the_proposer_may_choose_another_reviewer_who_reviews_them(company, api_as):
    objective = draft(company)
    made = api_as(company.alice).post(path(objective), {"reviewer": company.admin.pk})
    assert made.json_body["reviewer"]["id"] == company.admin.pk


# Bad input ----------------------------------------------------------------------------------


def test_proposing_an_active_objective_is_refused_on_status(company, api_as):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Live", owner_person=company.alice
    )
    assert_names(api_as(company.alice).post(path(objective), {}), "status")


def test_a_second_proposal_while_one_waits_is_refused(company, api_as):
    objective = draft(company)
    api = api_as(company.alice)
    assert api.post(path(objective), {}).status_code == 201
    assert_names(api.post(path(objective), {}), "objective")
    assert Proposal.objects.filter(objective=objective).count() == 1


def test_a_reviewer_who_does_not_review_the_owner_is_refused(company, api_as):
    objective = draft(company)
    assert_names(
        api_as(company.alice).post(path(objective), {"reviewer": company.dave.pk}), "reviewer"
    )


def test_an_unknown_reviewer_is_refused(company, api_as):
    objective = draft(company)
    assert_names(api_as(company.alice).post(path(objective), {"reviewer": 99999}), "reviewer")


def test_answering_a_proposal_not_addressed_to_you_is_forbidden(company, api_as):
    objective = draft(company)
    api_as(company.alice).post(path(objective), {})
    assert api_as(company.carol).post(path(objective, "/agree"), {}).status_code == 403
    assert api_as(company.alice).post(path(objective, "/agree"), {}).status_code == 403
    assert status_of(objective) == "draft"


def test_asking_for_changes_needs_an_answer(company, api_as):
    objective = draft(company)
    api_as(company.alice).post(path(objective), {})
    assert_names(
        api_as(company.bob).post(path(objective, "/request-changes"), {"answer": " "}), "answer"
    )


def test_agreeing_when_nothing_waits_is_refused_on_proposal(company, api_as):
    objective = draft(company)
    assert_names(api_as(company.bob).post(path(objective, "/agree"), {}), "proposal")


def test_only_those_who_may_change_it_propose_it(company, api_as):
    objective = draft(company)
    assert api_as(company.bob).post(path(objective), {}).status_code == 403


def test_the_proposer_withdraws_and_may_propose_again(company, api_as):
    objective = draft(company)
    api = api_as(company.alice)
    api.post(path(objective), {})
    withdrawn = api.post(path(objective, "/withdraw"))
    assert withdrawn.json_body["state"] == "withdrawn"
    assert api.post(path(objective), {}).status_code == 201


# Privacy ------------------------------------------------------------------------------------


def test_a_private_objectives_proposal_is_not_found_for_an_outsider(company, api_as):
    objective = draft(company, visibility="private")
    api_as(company.alice).post(path(objective), {})
    dave = api_as(company.dave)
    assert dave.get(path(objective)).status_code == 404
    assert dave.post(path(objective), {}).status_code == 404
    assert dave.post(path(objective, "/agree"), {}).status_code == 404
    # Bob, her manager, may see it and review it.
    assert api_as(company.bob).get(path(objective)).status_code == 200


# The company setting ------------------------------------------------------------------------


def test_an_administrator_turns_the_workflow_on_through_the_company_api(company, api_as):
    assert api_as(company.alice).get("/company").json_body["okrs_need_agreement"] is False
    assert api_as(company.alice).patch("/company", {"okrs_need_agreement": True}).status_code == 403
    response = api_as(company.admin).patch("/company", {"okrs_need_agreement": True})
    assert response.status_code == 200, response.json_body
    assert response.json_body["okrs_need_agreement"] is True
    assert agreement.workflow_on()


@pytest.mark.parametrize("size", [1, 8])
def test_reading_a_proposal_runs_a_bounded_number_of_queries(
    company, api_as, size, django_assert_max_num_queries
):
    objective = draft(company)
    api = api_as(company.alice)
    for _ in range(size):
        api.post(path(objective), {})
        api.post(path(objective, "/withdraw"))
    with django_assert_max_num_queries(12):
        assert len(api.get(path(objective)).json_body["history"]) == size
