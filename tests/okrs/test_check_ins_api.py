"""/api/v1/key-results/{id}/check-ins: weekly updates move a key result and its objective."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stretch.okrs import services as okrs
from stretch.okrs.models import CheckIn, KeyResult


@pytest.fixture
def objective(company):
    return okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )


@pytest.fixture
def kr(company, objective):
    return okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200, unit="jobs"
    )


def post(api, kr, **body):
    return api.post(f"/key-results/{kr.pk}/check-ins", body)


def assert_names(response, field, status=400):
    assert response.status_code == status, response.json_body
    if status == 400:
        assert response.json_body["field"] == field
    else:
        locations = [error["loc"] for error in response.json_body["detail"]]
        assert any(field in location for location in locations), locations


# A metric -----------------------------------------------------------------------------------


def test_a_check_in_moves_the_key_result_and_the_objective(company, api_as, objective, kr):
    alice = api_as(company.alice)
    response = post(alice, kr, value=50, confidence=8, note="Two teams moved")
    assert response.status_code == 201
    entry = response.json_body
    assert (entry["value"], entry["confidence"], entry["note"]) == (50, 8, "Two teams moved")
    assert (entry["key_result"], entry["author"]) == (kr.pk, company.alice.pk)
    assert entry["created_at"]

    moved = alice.get(f"/key-results/{kr.pk}").json_body
    assert (moved["current"], moved["confidence"], moved["progress"]) == (50, 8, 0.25)
    assert alice.get(f"/objectives/{objective.pk}").json_body["progress"] == 0.25


def test_the_newest_check_in_sets_the_current_value(company, api_as, kr):
    alice = api_as(company.alice)
    for value in [50, 120, 90]:
        post(alice, kr, value=value, confidence=7)
    body = alice.get(f"/key-results/{kr.pk}").json_body
    assert (body["current"], body["progress"]) == (90, 0.45)


def test_the_history_is_kept_newest_first(company, api_as, kr):
    alice = api_as(company.alice)
    for value, note in [(10, "first"), (20, "second"), (30, "third")]:
        assert post(alice, kr, value=value, note=note).status_code == 201
    history = api_as(company.dave).get(f"/key-results/{kr.pk}/check-ins").json_body
    assert history["count"] == 3
    assert [entry["note"] for entry in history["items"]] == ["third", "second", "first"]
    page = api_as(company.dave).get(f"/key-results/{kr.pk}/check-ins?limit=1&offset=1").json_body
    assert [entry["value"] for entry in page["items"]] == [20]


def test_a_backdated_check_in_does_not_replace_a_newer_value(company, api_as, kr):
    okrs.check_in(company.alice, kr, value=150, at=timezone.now() + timedelta(minutes=5))
    post(api_as(company.alice), kr, value=40)
    body = api_as(company.alice).get(f"/key-results/{kr.pk}").json_body
    assert body["current"] == 150


def test_without_a_confidence_the_last_one_is_kept(company, api_as, kr):
    alice = api_as(company.alice)
    post(alice, kr, value=50, confidence=4)
    entry = post(alice, kr, value=60).json_body
    assert entry["confidence"] == 4
    assert alice.get(f"/key-results/{kr.pk}").json_body["confidence"] == 4


def test_a_note_is_trimmed(company, api_as, kr):
    entry = post(api_as(company.alice), kr, value=1, note="  spaced out \n").json_body
    assert entry["note"] == "spaced out"


def test_a_metric_check_in_needs_a_value(company, api_as, kr):
    assert_names(post(api_as(company.alice), kr, confidence=5), "value")
    assert_names(post(api_as(company.alice), kr, done=True), "value")
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("value", ["abc", "", [1], {"n": 1}])
def test_a_value_that_is_not_a_number_is_a_422(company, api_as, kr, value):
    assert_names(post(api_as(company.alice), kr, value=value), "value", status=422)
    assert not CheckIn.objects.exists()


def test_an_infinite_value_is_refused(company, api_as, kr):
    alice = api_as(company.alice)
    response = alice.client.post(
        f"/api/v1/key-results/{kr.pk}/check-ins",
        data='{"value": 1e400}',
        content_type="application/json",
        headers=alice.headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "value"
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("confidence", [0, 11, -3, "sure", 5.5])
def test_a_confidence_outside_one_to_ten_is_a_422(company, api_as, kr, confidence):
    response = post(api_as(company.alice), kr, value=10, confidence=confidence)
    assert_names(response, "confidence", status=422)
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("confidence", [1, 10])
def test_confidence_one_and_ten_are_accepted(company, api_as, kr, confidence):
    assert post(api_as(company.alice), kr, value=10, confidence=confidence).status_code == 201


def test_a_check_in_on_a_closed_cycle_is_refused_naming_the_cycle(company, api_as, kr):
    okrs.update_cycle(company.admin, company.quarter, {"status": "closed"})
    response = post(api_as(company.alice), kr, value=10)
    assert_names(response, "cycle")
    assert "Quarter" in response.json_body["detail"]
    assert not CheckIn.objects.exists()
    assert KeyResult.objects.get(pk=kr.pk).current is None


def test_a_check_in_during_grading_is_still_taken(company, api_as, kr):
    okrs.update_cycle(company.admin, company.quarter, {"status": "grading"})
    assert post(api_as(company.alice), kr, value=10).status_code == 201


def test_a_check_in_on_a_closed_objective_is_refused(company, api_as, objective, kr):
    okrs.update_objective(company.alice, objective, {"status": "closed"})
    assert_names(post(api_as(company.alice), kr, value=10), "objective")
    assert not CheckIn.objects.exists()


# A milestone --------------------------------------------------------------------------------


@pytest.fixture
def milestone(company, objective):
    return okrs.create_key_result(company.alice, objective, title="Launch", kind="milestone")


@pytest.fixture
def stepped(company, objective):
    return okrs.create_key_result(
        company.alice,
        objective,
        title="Roll out",
        kind="milestone",
        steps=[{"title": "Beta", "weight": 1}, {"title": "GA", "weight": 3}],
    )


def test_a_milestone_is_checked_in_as_done(company, api_as, objective, milestone):
    alice = api_as(company.alice)
    entry = post(alice, milestone, done=True, confidence=9).json_body
    assert entry["value"] == 1
    body = alice.get(f"/key-results/{milestone.pk}").json_body
    assert (body["current"], body["progress"], body["status"]) == (1, 1.0, "on_track")
    assert alice.get(f"/objectives/{objective.pk}").json_body["progress"] == 1.0


def test_a_milestone_may_be_undone(company, api_as, milestone):
    alice = api_as(company.alice)
    post(alice, milestone, done=True)
    entry = post(alice, milestone, done=False).json_body
    assert entry["value"] == 0
    assert alice.get(f"/key-results/{milestone.pk}").json_body["progress"] == 0.0


def test_a_milestone_needs_done(company, api_as, milestone):
    assert_names(post(api_as(company.alice), milestone, confidence=5), "done")


def test_a_milestone_without_steps_refuses_steps(company, api_as, milestone):
    assert_names(post(api_as(company.alice), milestone, steps=[1]), "steps")


def test_milestone_steps_are_checked_in_by_id_as_a_weighted_share(company, api_as, stepped):
    alice = api_as(company.alice)
    beta = stepped.steps.get(title="Beta")
    ga = stepped.steps.get(title="GA")

    entry = post(alice, stepped, steps=[ga.pk]).json_body
    assert entry["done_steps"] == [ga.pk]
    body = alice.get(f"/key-results/{stepped.pk}").json_body
    assert body["progress"] == pytest.approx(0.75)
    assert {s["title"]: s["done"] for s in body["steps"]} == {"Beta": False, "GA": True}

    # The list is the steps done now: Beta done, GA no longer.
    post(alice, stepped, steps=[beta.pk])
    body = alice.get(f"/key-results/{stepped.pk}").json_body
    assert body["progress"] == pytest.approx(0.25)
    assert {s["title"]: s["done"] for s in body["steps"]} == {"Beta": True, "GA": False}

    entry = post(alice, stepped, steps=[beta.pk, ga.pk]).json_body
    assert entry["value"] == 1
    assert alice.get(f"/key-results/{stepped.pk}").json_body["progress"] == 1.0


def test_done_on_a_stepped_milestone_ticks_every_step(company, api_as, stepped):
    alice = api_as(company.alice)
    post(alice, stepped, done=True)
    body = alice.get(f"/key-results/{stepped.pk}").json_body
    assert body["progress"] == 1.0
    assert all(s["done"] for s in body["steps"])


def test_steps_of_another_key_result_are_refused(company, api_as, objective, stepped):
    other = okrs.create_key_result(
        company.alice, objective, title="Other", kind="milestone", steps=[{"title": "X"}]
    )
    foreign = other.steps.get().pk
    response = post(api_as(company.alice), stepped, steps=[foreign])
    assert_names(response, "steps")
    assert str(foreign) in response.json_body["detail"]
    assert not stepped.steps.filter(done=True).exists()


def test_steps_that_are_not_ids_are_a_422(company, api_as, stepped):
    assert_names(post(api_as(company.alice), stepped, steps=["Beta"]), "steps", status=422)


# Who may check in ---------------------------------------------------------------------------


def test_a_key_result_owner_who_does_not_own_the_objective_may_check_in(company, api_as, objective):
    bobs = okrs.create_key_result(
        company.alice, objective, title="Reviews", target=10, owner=company.bob
    )
    response = post(api_as(company.bob), bobs, value=5)
    assert response.status_code == 201
    assert response.json_body["author"] == company.bob.pk
    assert KeyResult.objects.get(pk=bobs.pk).current == 5
    # … but checking in is all they may do.
    assert api_as(company.bob).patch(f"/key-results/{bobs.pk}", {"target": 1}).status_code == 403


def test_a_team_lead_checks_in_on_the_teams_key_results(company, api_as):
    team_objective = okrs.create_objective(
        company.admin, cycle=company.quarter, title="Boring", owner_team=company.platform
    )
    team_kr = okrs.create_key_result(
        company.admin, team_objective, title="Pages", target=10, owner=company.admin
    )
    assert post(api_as(company.bob), team_kr, value=3).status_code == 201
    assert post(api_as(company.alice), team_kr, value=4).status_code == 403  # a member


def test_a_read_only_person_on_a_public_objective_is_refused(company, api_as, kr):
    for person in [company.dave, company.bob, company.carol]:
        assert post(api_as(person), kr, value=10).status_code == 403
    assert not CheckIn.objects.exists()


def test_an_outsider_on_a_private_objective_gets_404(company, api_as, objective, kr):
    okrs.update_objective(company.alice, objective, {"visibility": "private"})
    dave = api_as(company.dave)
    assert post(dave, kr, value=10).status_code == 404
    assert dave.get(f"/key-results/{kr.pk}/check-ins").status_code == 404
    assert not CheckIn.objects.exists()


def test_an_administrator_may_check_in_on_anything(company, api_as, kr):
    assert post(api_as(company.admin), kr, value=10).status_code == 201


def test_an_anonymous_caller_may_not_check_in(company, api_as, kr):
    assert post(api_as(None), kr, value=10).status_code == 401
    assert not CheckIn.objects.exists()


def test_checking_in_on_an_unknown_key_result_is_404(company, api_as):
    assert api_as(company.admin).post(
        "/key-results/999999/check-ins", {"value": 1}
    ).status_code == (404)
