"""Adjustments with reasons: moving a key result's goal posts mid-cycle asks why (and an
eased target says so), an objective is stopped with a reason or moved to another owner, and
every change is kept in the history: who, when, before → after, why."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from stretch.okrs import services as okrs
from stretch.okrs.models import CheckIn, KeyResult, Objective
from tests.helpers import client_for

NOW = datetime(2026, 10, 1, 12, tzinfo=UTC)
LATER = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)


@pytest.fixture
def kr(company, objective):
    return okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200, unit="jobs"
    )


def history(api, objective) -> list[dict]:
    response = api.get(f"/objectives/{objective.pk}/history")
    assert response.status_code == 200, response.json_body
    return response.json_body["items"]


def assert_names(response, field):
    assert response.status_code == 400, response.json_body
    assert response.json_body["field"] == field, response.json_body


# Goal posts in an active cycle ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "word"),
    [({"target": 150}, "target"), ({"start": 20}, "start"), ({"weight": 2}, "weight")],
)
def test_moving_a_goal_post_mid_cycle_needs_a_reason(company, api_as, kr, changes, word):
    alice = api_as(company.alice)
    for reason in ({}, {"reason": ""}, {"reason": "  "}):
        response = alice.patch(f"/key-results/{kr.pk}", {**changes, **reason})
        assert_names(response, "reason")
        assert word in response.json_body["detail"]
    after = KeyResult.objects.get(pk=kr.pk)
    assert (after.start, after.target, after.weight, after.version) == (0, 200, 1, kr.version)
    assert len(history(alice, kr.objective)) == 2  # created objective, created key result


def test_a_refused_adjustment_changes_nothing_else_sent_with_it(company, api_as, kr):
    response = api_as(company.alice).patch(
        f"/key-results/{kr.pk}", {"title": "All jobs migrated", "target": 150}
    )
    assert_names(response, "reason")
    assert KeyResult.objects.get(pk=kr.pk).title == "Jobs migrated"


def test_an_eased_target_is_kept_with_its_reason_and_marked_eased(
    company, api_as, clock, objective, kr
):
    clock.move_to(LATER)
    alice = api_as(company.alice)
    response = alice.patch(
        f"/key-results/{kr.pk}", {"target": 150, "reason": "50 jobs were retired"}
    )
    assert response.status_code == 200, response.json_body
    assert (response.json_body["target"], response.json_body["version"]) == (150, kr.version + 1)
    newest = history(alice, objective)[0]
    assert newest["what"] == "key result"
    assert (newest["id"], newest["title"], newest["action"]) == (kr.pk, "Jobs migrated", "changed")
    assert newest["who"] == "Alice"
    assert datetime.fromisoformat(newest["at"]) == LATER
    assert newest["reason"] == "50 jobs were retired"
    assert newest["eased"] is True
    assert newest["fields"] == [{"field": "target", "before": "200", "after": "150"}]


def test_a_raised_target_is_not_marked_eased(company, api_as, clock, objective, kr):
    clock.shift(60)  # the change comes after the creation
    alice = api_as(company.alice)
    response = alice.patch(f"/key-results/{kr.pk}", {"target": 250, "reason": "Going faster"})
    assert response.status_code == 200, response.json_body
    newest = history(alice, objective)[0]
    assert (newest["reason"], newest["eased"]) == ("Going faster", False)


@pytest.mark.parametrize(("target", "eased"), [(40, True), (10, False)])
def test_raising_a_target_to_decrease_eases_it(company, api_as, clock, objective, target, eased):
    kr = okrs.create_key_result(
        company.alice, objective, title="Build minutes", direction="decrease", start=120, target=20
    )
    clock.shift(60)  # the change comes after the creation
    alice = api_as(company.alice)
    response = alice.patch(f"/key-results/{kr.pk}", {"target": target, "reason": "Re-measured"})
    assert response.status_code == 200, response.json_body
    assert history(alice, objective)[0]["eased"] is eased


@pytest.mark.parametrize(
    ("changes", "eased"),
    [
        ({"range_low": 99.0}, True),
        ({"range_high": 100.5}, True),
        ({"range_low": 99.8}, False),
    ],
)
def test_widening_a_range_eases_it(company, api_as, clock, objective, changes, eased):
    kr = okrs.create_key_result(
        company.alice,
        objective,
        title="Uptime",
        direction="range",
        range_low=99.5,
        range_high=100,
    )
    clock.shift(60)  # the change comes after the creation
    alice = api_as(company.alice)
    assert_names(alice.patch(f"/key-results/{kr.pk}", changes), "reason")
    response = alice.patch(f"/key-results/{kr.pk}", {**changes, "reason": "New SLA"})
    assert response.status_code == 200, response.json_body
    newest = history(alice, objective)[0]
    assert (newest["reason"], newest["eased"]) == ("New SLA", eased)


def test_a_new_title_needs_no_reason(company, api_as, clock, objective, kr):
    clock.shift(60)  # the change comes after the creation
    alice = api_as(company.alice)
    response = alice.patch(
        f"/key-results/{kr.pk}", {"title": "Cron jobs migrated", "target": 200, "unit": "cron jobs"}
    )
    assert response.status_code == 200, response.json_body  # the same target is no change
    newest = history(alice, objective)[0]
    assert (newest["reason"], newest["eased"]) == ("", False)
    assert {"field": "title", "before": "Jobs migrated", "after": "Cron jobs migrated"} in newest[
        "fields"
    ]


def test_goal_posts_move_freely_while_the_cycle_is_planned(company, api_as, clock):
    planned = okrs.create_cycle(
        company.admin, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    objective = okrs.create_objective(
        company.alice, cycle=planned, title="Next quarter", owner_person=company.alice
    )
    kr = okrs.create_key_result(company.alice, objective, title="Jobs", start=0, target=200)
    response = api_as(company.alice).patch(
        f"/key-results/{kr.pk}", {"target": 100, "start": 10, "weight": 2}
    )
    assert response.status_code == 200, response.json_body
    after = KeyResult.objects.get(pk=kr.pk)
    assert (after.start, after.target, after.weight) == (10, 100, 2)


def test_every_caller_is_asked_for_the_reason(company, kr):
    """The services rule holds for every caller, not only the API."""
    with pytest.raises(ValidationError) as refused:
        okrs.update_key_result(company.alice, kr, {"target": 180})
    assert "reason" in refused.value.message_dict
    okrs.update_key_result(company.alice, kr, {"target": 180}, reason="Scope cut")
    assert KeyResult.objects.get(pk=kr.pk).target == 180


# Stopping -----------------------------------------------------------------------------------


def test_stopping_an_objective_needs_a_reason(company, api_as, objective):
    alice = api_as(company.alice)
    response = alice.patch(f"/objectives/{objective.pk}", {"status": "stopped"})
    assert_names(response, "reason")
    after = Objective.objects.get(pk=objective.pk)
    assert (after.status, after.stop_reason, after.version) == ("active", "", objective.version)


def test_a_stopped_objective_keeps_its_reason(company, api_as, clock, objective, kr):
    clock.move_to(LATER)
    alice = api_as(company.alice)
    response = alice.patch(
        f"/objectives/{objective.pk}",
        {"status": "stopped", "reason": "The vendor dropped the old scheduler for us"},
    )
    assert response.status_code == 200, response.json_body
    assert response.json_body["status"] == "stopped"
    assert response.json_body["stop_reason"] == "The vendor dropped the old scheduler for us"
    newest = history(alice, objective)[0]
    assert (newest["what"], newest["who"]) == ("objective", "Alice")
    assert newest["reason"] == "The vendor dropped the old scheduler for us"
    assert {"field": "status", "before": "Active", "after": "Stopped"} in newest["fields"]
    page = client_for(company.bob).get(f"/objectives/{objective.pk}/").content.decode()
    assert "Stopped" in page
    assert "The vendor dropped the old scheduler for us" in page


def test_the_reason_may_come_as_stop_reason(company, api_as, objective):
    response = api_as(company.alice).patch(
        f"/objectives/{objective.pk}", {"status": "stopped", "stop_reason": "Priorities changed"}
    )
    assert response.status_code == 200, response.json_body
    assert Objective.objects.get(pk=objective.pk).stop_reason == "Priorities changed"


def test_no_check_in_on_a_stopped_objective(company, api_as, objective, kr):
    okrs.update_objective(company.alice, objective, {"status": "stopped"}, reason="Dropped")
    response = api_as(company.alice).post(f"/key-results/{kr.pk}/check-ins", {"value": 10})
    assert_names(response, "objective")
    assert "stopped" in response.json_body["detail"]
    assert not CheckIn.objects.exists()


# Moving to another owner ----------------------------------------------------------------------


def test_an_administrator_moves_an_objective_to_another_owner_with_a_reason(
    company, api_as, clock, objective
):
    clock.shift(60)  # the change comes after the creation
    response = api_as(company.admin).patch(
        f"/objectives/{objective.pk}",
        {"owner_person": company.bob.pk, "reason": "Alice moved to the data team"},
    )
    assert response.status_code == 200, response.json_body
    assert response.json_body["owner"]["name"] == "Bob"
    newest = history(api_as(company.bob), objective)[0]
    assert newest["who"] == "admin"
    assert newest["reason"] == "Alice moved to the data team"
    assert {"field": "owner", "before": "Alice", "after": "Bob"} in newest["fields"]


def test_a_lead_takes_over_a_team_objective_without_a_reason(company, api_as, clock, q4):
    objective = okrs.create_objective(
        company.bob, cycle=q4, title="Faster builds", owner_team=company.platform
    )
    clock.shift(60)  # the change comes after the creation
    response = api_as(company.bob).patch(
        f"/objectives/{objective.pk}", {"owner_person": company.bob.pk}
    )
    assert response.status_code == 200, response.json_body
    assert (response.json_body["owner_person"], response.json_body["owner_team"]) == (
        company.bob.pk,
        None,
    )
    newest = history(api_as(company.bob), objective)[0]
    assert newest["reason"] == ""
    assert {"field": "owning team", "before": "Platform", "after": "–"} in newest["fields"]


def test_a_member_may_not_hand_an_objective_to_someone_else(company, api_as, objective):
    response = api_as(company.alice).patch(
        f"/objectives/{objective.pk}", {"owner_person": company.bob.pk, "reason": "Bob has time"}
    )
    assert response.status_code == 403
    assert Objective.objects.get(pk=objective.pk).owner_person_id == company.alice.pk


# The history itself ---------------------------------------------------------------------------


def test_the_history_of_a_private_objective_is_not_found_by_an_outsider(company, api_as, objective):
    okrs.update_objective(company.alice, objective, {"visibility": "private"})
    response = api_as(company.dave).get(f"/objectives/{objective.pk}/history")
    assert response.status_code == 404
    assert "Ship the scheduler" not in response.content.decode()
    assert api_as(company.bob).get(f"/objectives/{objective.pk}/history").status_code == 200


def test_the_history_says_who_changed_what_when_newest_first(company, api_as, clock, objective, kr):
    clock.move_to(datetime(2026, 10, 5, 9, tzinfo=UTC))
    okrs.update_objective(company.alice, objective, {"title": "Ship the new scheduler"})
    clock.move_to(LATER)
    okrs.update_key_result(company.admin, kr, {"weight": 2}, reason="It matters more")
    items = history(api_as(company.bob), objective)
    assert [(i["what"], i["action"], i["who"]) for i in items[:2]] == [
        ("key result", "changed", "admin"),
        ("objective", "changed", "Alice"),
    ]
    # Both were created in the same instant, the fixture's.
    assert sorted((i["what"], i["action"], i["who"]) for i in items[2:]) == [
        ("key result", "created", "Alice"),
        ("objective", "created", "Alice"),
    ]
    assert [datetime.fromisoformat(i["at"]) for i in items[:2]] == [
        LATER,
        datetime(2026, 10, 5, 9, tzinfo=UTC),
    ]
    assert items[0]["fields"] == [{"field": "weight", "before": "1", "after": "2"}]
    assert items[0]["reason"] == "It matters more"
    assert items[1]["fields"] == [
        {"field": "title", "before": "Ship the scheduler", "after": "Ship the new scheduler"}
    ]


def test_the_objective_page_shows_the_reason_in_its_history(company, objective, kr):
    okrs.update_key_result(company.alice, kr, {"target": 150}, reason="50 jobs were retired")
    page = client_for(company.bob).get(f"/objectives/{objective.pk}/").content.decode()
    assert "50 jobs were retired" in page


@pytest.mark.parametrize("changes", [1, 10])
def test_the_history_endpoint_runs_a_bounded_number_of_queries(
    company, api_as, clock, objective, kr, changes, django_assert_max_num_queries
):
    for n in range(changes):
        clock.shift(60)
        okrs.update_key_result(company.alice, kr, {"target": 201 + n}, reason=f"Step {n}")
        okrs.update_objective(company.admin, objective, {"owner_person": company.bob})
        okrs.update_objective(company.admin, objective, {"owner_person": company.alice})
    bob = api_as(company.bob)
    with django_assert_max_num_queries(12):
        response = bob.get(f"/objectives/{objective.pk}/history")
    assert response.status_code == 200
    assert len(response.json_body["items"]) == 2 + 3 * changes


@pytest.mark.parametrize(
    "change",
    [
        {"direction": "range", "range_low": 0, "range_high": 5},
        {"kind": "milestone"},
    ],
)
def test_turning_a_metric_into_a_range_or_a_milestone_mid_cycle_needs_a_reason(
    company, api_as, kr, change
):
    """Both move the goal posts as much as a new target: 1 of 3 becomes 'within 0-5' or
    'done', progress 100 %."""
    alice = api_as(company.alice)
    response = alice.patch(f"/key-results/{kr.pk}", change)
    assert response.status_code == 400
    assert response.json_body["detail"].startswith("reason:")
    assert KeyResult.objects.get(pk=kr.pk).version == kr.version
    response = alice.patch(f"/key-results/{kr.pk}", {**change, "reason": "A new measure"})
    assert response.status_code == 200
    history = alice.get(f"/objectives/{kr.objective_id}/history").json_body["items"]
    [changed] = [item for item in history if item["action"] == "changed"]
    assert changed["reason"] == "A new measure"
