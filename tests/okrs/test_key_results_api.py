"""/api/v1/objectives/{id}/key-results and /api/v1/key-results/{id}: every kind of key result."""

import pytest

from stretch.okrs import services as okrs
from stretch.okrs.models import KeyResult, MilestoneStep


@pytest.fixture
def objective(company):
    return okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )


def add(api, objective, **fields):
    response = api.post(
        f"/objectives/{objective.pk}/key-results", {"title": "Jobs migrated", **fields}
    )
    assert response.status_code == 201, response.json_body
    return response.json_body


def check_in(api, kr, **body):
    response = api.post(f"/key-results/{kr['id']}/check-ins", body)
    assert response.status_code == 201, response.json_body
    return api.get(f"/key-results/{kr['id']}").json_body


def assert_names(response, field, status=400):
    assert response.status_code == status, response.json_body
    if status == 400:
        assert response.json_body["field"] == field
    else:  # 422 from the request schema: the field is in the error's location
        locations = [error["loc"] for error in response.json_body["detail"]]
        assert any(field in location for location in locations), locations


# Every kind ---------------------------------------------------------------------------------


def test_a_metric_to_increase(company, api_as, objective):
    alice = api_as(company.alice)
    kr = add(alice, objective, start=0, target=200, unit="jobs")
    assert (kr["kind"], kr["direction"]) == ("metric", "increase")
    assert (kr["start"], kr["target"], kr["current"], kr["unit"]) == (0, 200, None, "jobs")
    assert (kr["progress"], kr["attainment"]) == (0, 0)
    assert kr["owner"] == company.alice.pk
    assert kr["objective"] == objective.pk
    kr = check_in(alice, kr, value=50)
    assert (kr["progress"], kr["attainment"]) == (0.25, 0.25)


def test_an_increase_past_the_target_is_complete_and_shows_its_attainment(
    company, api_as, objective
):
    alice = api_as(company.alice)
    kr = check_in(alice, add(alice, objective, start=100, target=200), value=250)
    assert kr["progress"] == 1.0
    assert kr["attainment"] == pytest.approx(1.5)
    assert kr["status"] == "on_track"


def test_a_metric_below_its_start_has_no_progress_and_a_negative_attainment(
    company, api_as, objective
):
    alice = api_as(company.alice)
    kr = check_in(alice, add(alice, objective, start=100, target=200), value=50)
    assert kr["progress"] == 0.0
    assert kr["attainment"] == pytest.approx(-0.5)


def test_a_metric_to_decrease(company, api_as, objective):
    alice = api_as(company.alice)
    kr = add(alice, objective, direction="decrease", start=120, target=20, unit="ms")
    assert kr["direction"] == "decrease"
    kr = check_in(alice, kr, value=95)
    assert kr["progress"] == pytest.approx(0.25)
    kr = check_in(alice, kr, value=10)
    assert kr["progress"] == 1.0
    assert kr["attainment"] == pytest.approx(1.1)


def test_a_metric_to_keep_within_a_range(company, api_as, objective):
    alice = api_as(company.alice)
    kr = add(alice, objective, direction="range", range_low=99.5, range_high=100)
    assert (kr["range_low"], kr["range_high"], kr["progress"]) == (99.5, 100, 0)
    assert check_in(alice, kr, value=99.7)["progress"] == 1.0
    assert check_in(alice, kr, value=99.5)["progress"] == 1.0  # the bounds are inside
    outside = check_in(alice, kr, value=98)
    assert (outside["progress"], outside["attainment"]) == (0.0, 0.0)


def test_a_milestone_is_done_or_not(company, api_as, objective):
    alice = api_as(company.alice)
    kr = add(alice, objective, title="Launch", kind="milestone", start=5, target=50)
    # A milestone moves from 0 to 1, whatever was sent.
    assert (kr["kind"], kr["start"], kr["target"], kr["steps"]) == ("milestone", 0, 1, [])
    assert kr["progress"] == 0.0
    assert check_in(alice, kr, done=True)["progress"] == 1.0
    assert check_in(alice, kr, done=False)["progress"] == 0.0


def test_a_milestone_with_weighted_steps(company, api_as, objective):
    alice = api_as(company.alice)
    kr = add(
        alice,
        objective,
        title="Launch",
        kind="milestone",
        steps=[{"title": "Beta", "weight": 1}, {"title": "GA", "weight": 3}],
    )
    assert [(s["title"], s["weight"], s["done"]) for s in kr["steps"]] == [
        ("Beta", 1, False),
        ("GA", 3, False),
    ]
    beta, ga = (s["id"] for s in kr["steps"])
    assert check_in(alice, kr, steps=[beta])["progress"] == pytest.approx(0.25)
    assert check_in(alice, kr, steps=[ga])["progress"] == pytest.approx(0.75)
    assert check_in(alice, kr, steps=[beta, ga])["progress"] == 1.0


def test_a_step_without_a_weight_weighs_one(company, api_as, objective):
    kr = add(api_as(company.alice), objective, kind="milestone", steps=[{"title": "Only"}])
    assert kr["steps"][0]["weight"] == 1


def test_key_results_keep_the_order_they_were_added_in(company, api_as, objective):
    alice = api_as(company.alice)
    for title in ["First", "Second", "Third"]:
        add(alice, objective, title=title, target=1)
    listed = alice.get(f"/objectives/{objective.pk}/key-results").json_body
    assert [kr["title"] for kr in listed["items"]] == ["First", "Second", "Third"]
    assert [kr["position"] for kr in listed["items"]] == [0, 1, 2]
    assert listed["count"] == 3


def test_the_key_result_list_pages(company, api_as, objective):
    alice = api_as(company.alice)
    for title in ["First", "Second", "Third"]:
        add(alice, objective, title=title, target=1)
    page = alice.get(f"/objectives/{objective.pk}/key-results?limit=2&offset=2").json_body
    assert (page["count"], [kr["title"] for kr in page["items"]]) == (3, ["Third"])


def test_the_objective_progress_is_the_weighted_mean_of_its_key_results(company, api_as, objective):
    alice = api_as(company.alice)
    heavy = add(alice, objective, title="Heavy", target=10, weight=3)
    light = add(alice, objective, title="Light", target=10, weight=1)
    check_in(alice, heavy, value=10)
    check_in(alice, light, value=0)
    body = alice.get(f"/objectives/{objective.pk}").json_body
    assert body["progress"] == pytest.approx(0.75)


def test_a_key_result_may_be_owned_by_someone_else(company, api_as, objective):
    kr = add(api_as(company.alice), objective, target=10, owner=company.bob.pk)
    assert kr["owner"] == company.bob.pk


def test_a_team_objectives_key_result_belongs_to_whoever_added_it(company, api_as):
    team_objective = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Boring", owner_team=company.platform
    )
    kr = add(api_as(company.bob), team_objective, target=10)
    assert kr["owner"] == company.bob.pk


# Status fields ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "confidence", "status"),
    [
        (50, None, "on_track"),  # on the expected pace (half the quarter has gone)
        (25, None, "at_risk"),  # a quarter behind
        (5, None, "off_track"),  # far behind
        (50, 5, "at_risk"),  # on pace, but the owner doubts it
        (50, 2, "off_track"),  # on pace, but the owner has given up
        (100, 1, "on_track"),  # done is done
    ],
)
def test_the_status_follows_pace_and_confidence(
    company, api_as, objective, value, confidence, status
):
    alice = api_as(company.alice)
    kr = add(alice, objective, target=100)
    body = {"value": value} if confidence is None else {"value": value, "confidence": confidence}
    kr = check_in(alice, kr, **body)
    assert kr["expected_progress"] == pytest.approx(0.5, abs=0.02)
    assert kr["status"] == status


def test_the_objective_carries_the_health_of_its_key_results(company, api_as, objective):
    alice = api_as(company.alice)
    check_in(alice, add(alice, objective, target=100), value=5)
    body = alice.get(f"/objectives/{objective.pk}").json_body
    assert body["health"] == "off_track"
    assert body["key_results"][0]["status"] == "off_track"


# Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": 10, "target": 10}, "target"),
        ({"start": 10, "target": 5}, "target"),
        ({"direction": "decrease", "start": 10, "target": 20}, "target"),
        ({"direction": "range", "range_low": 10, "range_high": 5}, "range_low"),
        ({"direction": "range", "range_high": 5}, "range_low"),
        ({"direction": "range", "range_low": 5}, "range_high"),
        ({"target": 10, "weight": 0}, "weight"),
        ({"target": 10, "weight": -1}, "weight"),
        ({"start": 0}, "target"),
        ({"title": "  ", "target": 10}, "title"),
        ({"kind": "milestone", "steps": [{"title": "Beta", "weight": 0}]}, "steps"),
        ({"target": 10, "steps": [{"title": "Beta"}]}, "steps"),
        ({"target": 10, "owner": 987654}, "owner"),
    ],
)
def test_it_refuses_an_impossible_key_result_naming_the_field(
    company, api_as, objective, body, field
):
    response = api_as(company.alice).post(
        f"/objectives/{objective.pk}/key-results", {"title": "Jobs", **body}
    )
    assert_names(response, field)
    assert not KeyResult.objects.exists()
    assert not MilestoneStep.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target": "abc"}, "target"),
        ({"start": "abc", "target": 10}, "start"),
        ({"target": 10, "weight": "heavy"}, "weight"),
        ({"target": 10, "kind": "vibe"}, "kind"),
        ({"target": 10, "direction": "sideways"}, "direction"),
        ({"title": "", "target": 10}, "title"),
        ({"kind": "milestone", "steps": [{"weight": 1}]}, "steps"),
    ],
)
def test_it_refuses_a_malformed_key_result_with_422(company, api_as, objective, body, field):
    response = api_as(company.alice).post(
        f"/objectives/{objective.pk}/key-results", {"title": "Jobs", **body}
    )
    assert_names(response, field, status=422)
    assert not KeyResult.objects.exists()


def test_a_target_beyond_floating_point_is_refused(company, api_as, objective):
    alice = api_as(company.alice)
    response = alice.client.post(
        f"/api/v1/objectives/{objective.pk}/key-results",
        data='{"title": "Jobs", "target": 1e400}',
        content_type="application/json",
        headers=alice.headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "target"
    assert not KeyResult.objects.exists()


# Patch and delete ---------------------------------------------------------------------------


def test_the_owner_changes_a_key_result_and_its_version_goes_up(company, api_as, objective):
    alice = api_as(company.alice)
    kr = check_in(alice, add(alice, objective, target=200), value=50)
    response = alice.patch(
        f"/key-results/{kr['id']}", {"target": 100, "title": "Jobs moved", "reason": "New data"}
    )
    assert response.status_code == 200
    assert (response.json_body["target"], response.json_body["title"]) == (100, "Jobs moved")
    assert response.json_body["progress"] == 0.5  # the same value against the new target
    assert response.json_body["version"] == 2


def test_a_stale_key_result_version_is_a_409_with_the_current_state(company, api_as, objective):
    alice = api_as(company.alice)
    kr = add(alice, objective, target=200)
    alice.patch(f"/key-results/{kr['id']}", {"target": 300, "reason": "r"})
    response = alice.patch(f"/key-results/{kr['id']}", {"target": 400, "version": 1, "reason": "r"})
    assert response.status_code == 409
    assert response.json_body["current"]["target"] == 300
    response = alice.patch(
        f"/key-results/{kr['id']}", {"target": 400, "reason": "r"}, **{"If-Match": '"1"'}
    )
    assert response.status_code == 409
    assert KeyResult.objects.get(pk=kr["id"]).target == 300


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"target": 0}, "target"),
        ({"weight": 0}, "weight"),
        ({"direction": "range", "range_low": 3, "range_high": 1}, "range_low"),
        ({"target": None}, "target"),
        ({"title": None}, "title"),
        ({"start": None}, "start"),
        ({"unit": None}, "unit"),
        ({"position": None}, "position"),
    ],
)
def test_a_change_that_breaks_the_rules_is_a_400_naming_the_field(
    company, api_as, objective, change, field
):
    alice = api_as(company.alice)
    kr = add(alice, objective, start=0, target=10)
    assert_names(alice.patch(f"/key-results/{kr['id']}", change), field)
    unchanged = KeyResult.objects.get(pk=kr["id"])
    assert (unchanged.target, unchanged.weight, unchanged.version) == (10, 1, 1)


def test_turning_a_metric_into_a_milestone_makes_it_zero_to_one(company, api_as, objective):
    alice = api_as(company.alice)
    kr = add(alice, objective, start=10, target=50)
    response = alice.patch(f"/key-results/{kr['id']}", {"kind": "milestone", "reason": "r"})
    assert (response.json_body["start"], response.json_body["target"]) == (0, 1)


def test_someone_who_may_not_change_the_objective_may_not_change_its_key_results(
    company, api_as, objective
):
    kr = add(api_as(company.alice), objective, target=10, owner=company.bob.pk)
    for person in [company.bob, company.dave]:  # bob owns the key result, not the objective
        assert api_as(person).patch(f"/key-results/{kr['id']}", {"target": 5}).status_code == 403
        assert api_as(person).delete(f"/key-results/{kr['id']}").status_code == 403
        response = api_as(person).post(
            f"/objectives/{objective.pk}/key-results", {"title": "Mine", "target": 1}
        )
        assert response.status_code == 403
    assert KeyResult.objects.get(pk=kr["id"]).target == 10
    assert KeyResult.objects.count() == 1


def test_an_administrator_changes_anyones_key_results(company, api_as, objective):
    kr = add(api_as(company.alice), objective, target=10)
    admin = api_as(company.admin)
    assert (
        admin.patch(f"/key-results/{kr['id']}", {"target": 20, "reason": "r"}).json_body["target"]
        == 20
    )
    assert admin.delete(f"/key-results/{kr['id']}").status_code == 204


def test_deleting_a_key_result_takes_its_check_ins_and_changes_the_progress(
    company, api_as, objective
):
    alice = api_as(company.alice)
    done = check_in(alice, add(alice, objective, title="Done", target=10), value=10)
    add(alice, objective, title="Not started", target=10)
    assert alice.get(f"/objectives/{objective.pk}").json_body["progress"] == 0.5
    assert alice.delete(f"/key-results/{done['id']}").status_code == 204
    assert alice.get(f"/key-results/{done['id']}").status_code == 404
    assert alice.get(f"/key-results/{done['id']}/check-ins").status_code == 404
    assert alice.get(f"/objectives/{objective.pk}").json_body["progress"] == 0.0


def test_an_unknown_key_result_is_404(company, api_as):
    alice = api_as(company.alice)
    assert alice.get("/key-results/999999").status_code == 404
    assert alice.patch("/key-results/999999", {"target": 1}).status_code == 404
    assert alice.delete("/key-results/999999").status_code == 404
    response = alice.post("/objectives/999999/key-results", {"title": "x", "target": 1})
    assert response.status_code == 404
