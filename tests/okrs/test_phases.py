"""Cycle phases: planning → active → grading → closed, moved by an administrator or by the
cycle's dates, and what each phase lets people do.

The clock stands on 1 October 2026, noon UTC; the quarter "Q4 2026" runs from 1 October to
31 December 2026, so grading closes on 14 January 2027 unless the cycle says otherwise.
"""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from stretch.okrs import phases
from stretch.okrs import services as okrs
from stretch.okrs.models import CheckIn, Cycle, KeyResult, Objective
from tests.helpers import client_for


def moment(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def kr(company, objective):
    return okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200
    )


def phase_of(cycle) -> str:
    return Cycle.objects.get(pk=cycle.pk).status


def move(cycle, phase):
    """Put a cycle in a phase behind the rules' back (a test's setup)."""
    Cycle.objects.filter(pk=cycle.pk).update(status=phase)
    cycle.refresh_from_db()


def assert_names(response, field, status=400):
    assert response.status_code == status, response.json_body
    if status == 400:
        assert response.json_body["field"] == field, response.json_body
    else:
        locations = [error["loc"] for error in response.json_body["detail"]]
        assert any(field in location for location in locations), locations


# Moving a cycle by hand ---------------------------------------------------------------------


def test_an_administrator_moves_a_cycle_on_through_the_api(company, api_as, q4):
    response = api_as(company.admin).post(f"/cycles/{q4.pk}/phase", {"phase": "grading"})
    assert response.status_code == 200, response.json_body
    assert response.json_body["status"] == "grading"
    assert response.json_body["auto_advance"] is True  # moving forward keeps the dates' rule
    assert phase_of(q4) == "grading"


def test_moving_a_cycle_is_for_administrators_only(company, api_as, q4):
    for person in (company.alice, company.carol, company.ceo):
        response = api_as(person).post(f"/cycles/{q4.pk}/phase", {"phase": "grading"})
        assert response.status_code == 403, (person, response.json_body)
    assert phase_of(q4) == "active"


def test_an_unknown_phase_is_refused_naming_the_field(company, api_as, q4):
    response = api_as(company.admin).post(f"/cycles/{q4.pk}/phase", {"phase": "finished"})
    assert_names(response, "phase", status=422)
    assert phase_of(q4) == "active"


def test_set_phase_refuses_an_unknown_phase_naming_the_field(company, q4):
    with pytest.raises(ValidationError) as refused:
        phases.set_phase(company.admin, q4, "finished")
    assert "phase" in refused.value.message_dict
    assert phase_of(q4) == "active"


def test_moving_a_cycle_back_turns_moving_by_date_off(company, api_as, q4):
    admin = api_as(company.admin)
    admin.post(f"/cycles/{q4.pk}/phase", {"phase": "grading"})
    response = admin.post(f"/cycles/{q4.pk}/phase", {"phase": "active"})
    assert response.status_code == 200, response.json_body
    assert (response.json_body["status"], response.json_body["auto_advance"]) == ("active", False)
    # The dates would put it in grading after its end; reopened by hand, it stays open.
    assert phases.advance_by_date(date(2027, 1, 2)) == []
    assert phase_of(q4) == "active"


def test_patching_a_cycle_back_to_an_earlier_status_turns_moving_by_date_off(company, api_as, q4):
    admin = api_as(company.admin)
    admin.patch(f"/cycles/{q4.pk}", {"status": "closed"})
    response = admin.patch(f"/cycles/{q4.pk}", {"status": "grading"})
    assert response.status_code == 200, response.json_body
    assert (response.json_body["status"], response.json_body["auto_advance"]) == (
        "grading",
        False,
    )
    assert phases.advance_by_date(date(2027, 2, 1)) == []
    assert phase_of(q4) == "grading"


def test_a_cycle_shows_when_grading_closes_and_the_phase_its_dates_give(company, api_as, q4):
    body = api_as(company.alice).get(f"/cycles/{q4.pk}").json_body
    assert body["closes_on"] == "2027-01-14"  # two weeks after the end
    assert body["phase_by_date"] == "active"
    assert body["auto_advance"] is True
    okrs.update_cycle(company.admin, q4, {"closes_on": date(2027, 1, 31)})
    assert api_as(company.alice).get(f"/cycles/{q4.pk}").json_body["closes_on"] == "2027-01-31"


def test_grading_cannot_close_before_the_cycle_ends(company, api_as, q4):
    admin = api_as(company.admin)
    response = admin.patch(f"/cycles/{q4.pk}", {"closes_on": "2026-12-30"})
    assert_names(response, "closes_on")
    assert Cycle.objects.get(pk=q4.pk).closes_on is None
    response = admin.post(
        "/cycles",
        {"name": "Q1 2027", "start": "2027-01-01", "end": "2027-03-31", "closes_on": "2027-03-01"},
    )
    assert_names(response, "closes_on")
    assert not Cycle.objects.filter(name="Q1 2027").exists()


# Moving by the dates ------------------------------------------------------------------------


@pytest.fixture
def q1(company, clock):
    return okrs.create_cycle(
        company.admin,
        name="Q1 2027",
        start=date(2027, 1, 1),
        end=date(2027, 3, 31),
        status=Cycle.Status.PLANNING,
    )


def test_a_planned_cycle_becomes_active_on_its_start(company, q1):
    assert phases.advance_by_date(date(2026, 12, 31)) == []
    assert phase_of(q1) == "planning"
    moved = phases.advance_by_date(date(2027, 1, 1))
    assert [c.pk for c in moved] == [q1.pk]
    assert phase_of(q1) == "active"


def test_an_active_cycle_is_graded_after_its_end(company, q4):
    assert phases.advance_by_date(date(2026, 12, 31)) == []  # the last day is still active
    assert phase_of(q4) == "active"
    assert [c.pk for c in phases.advance_by_date(date(2027, 1, 1))] == [q4.pk]
    assert phase_of(q4) == "grading"


def test_grading_closes_two_weeks_after_the_end_by_default(company, q4):
    move(q4, Cycle.Status.GRADING)
    assert phases.advance_by_date(date(2027, 1, 14)) == []
    assert phase_of(q4) == "grading"
    phases.advance_by_date(date(2027, 1, 15))
    assert phase_of(q4) == "closed"


def test_grading_closes_after_the_day_the_cycle_names(company, q4):
    okrs.update_cycle(company.admin, q4, {"closes_on": date(2027, 1, 5)})
    move(q4, Cycle.Status.GRADING)
    phases.advance_by_date(date(2027, 1, 5))
    assert phase_of(q4) == "grading"
    phases.advance_by_date(date(2027, 1, 6))
    assert phase_of(q4) == "closed"


def test_a_cycle_found_late_moves_straight_to_the_phase_of_its_dates(company, q1):
    phases.advance_by_date(date(2027, 4, 2))
    assert phase_of(q1) == "grading"


def test_the_dates_never_move_a_cycle_back(company, api_as, q4):
    # Graded early by hand (forward: moving by date stays on), the dates still say active.
    api_as(company.admin).post(f"/cycles/{q4.pk}/phase", {"phase": "grading"})
    assert phases.advance_by_date(date(2026, 11, 1)) == []
    assert phase_of(q4) == "grading"


def test_a_cycle_that_does_not_move_by_date_is_left_alone(company, q4):
    okrs.update_cycle(company.admin, q4, {"auto_advance": False})
    assert phases.advance_by_date(date(2027, 6, 1)) == []
    assert phase_of(q4) == "active"


def test_moving_by_date_runs_the_same_way_twice(company, q4, q1):
    phases.advance_by_date(date(2027, 1, 1))
    assert phases.advance_by_date(date(2027, 1, 1)) == []
    assert (phase_of(q4), phase_of(q1)) == ("grading", "active")


# What each phase allows ---------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["grading", "closed"])
def test_no_objective_is_created_once_the_cycle_is_over(company, api_as, q4, phase):
    move(q4, phase)
    response = api_as(company.alice).post(
        "/objectives", {"title": "Late idea", "cycle": q4.pk, "owner_person": company.alice.pk}
    )
    assert_names(response, "cycle")
    assert "Q4 2026" in response.json_body["detail"]
    assert not Objective.objects.filter(title="Late idea").exists()


def test_objectives_are_written_while_the_cycle_is_planned(company, api_as, q1):
    response = api_as(company.alice).post(
        "/objectives", {"title": "Plan ahead", "cycle": q1.pk, "owner_person": company.alice.pk}
    )
    assert response.status_code == 201, response.json_body


@pytest.mark.parametrize("phase", ["grading", "closed"])
def test_no_key_result_is_added_once_the_cycle_is_over(company, api_as, q4, objective, phase):
    move(q4, phase)
    response = api_as(company.alice).post(
        f"/objectives/{objective.pk}/key-results", {"title": "Late KR", "start": 0, "target": 5}
    )
    assert_names(response, "cycle")
    assert not KeyResult.objects.filter(title="Late KR").exists()
    assert Objective.objects.get(pk=objective.pk).version == objective.version


@pytest.mark.parametrize(
    ("phase", "words"),
    [("planning", "still being planned"), ("closed", "check-ins are over")],
)
def test_no_check_in_while_the_cycle_is_planned_or_closed(company, api_as, q4, kr, phase, words):
    move(q4, phase)
    response = api_as(company.alice).post(f"/key-results/{kr.pk}/check-ins", {"value": 10})
    assert_names(response, "cycle")
    assert words in response.json_body["detail"]
    assert not CheckIn.objects.exists()
    assert KeyResult.objects.get(pk=kr.pk).current is None


@pytest.mark.parametrize("phase", ["active", "grading"])
def test_check_ins_are_taken_while_active_and_a_last_one_in_grading(company, api_as, q4, kr, phase):
    move(q4, phase)
    response = api_as(company.alice).post(f"/key-results/{kr.pk}/check-ins", {"value": 10})
    assert response.status_code == 201, response.json_body
    assert KeyResult.objects.get(pk=kr.pk).current == 10


def test_a_check_in_page_post_on_a_closed_cycle_shows_why(company, q4, kr):
    move(q4, Cycle.Status.CLOSED)
    response = client_for(company.alice).post(
        f"/key-results/{kr.pk}/check-in/", {"value": "10", "confidence": "7"}
    )
    assert response.status_code == 400
    assert "check-ins are over" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_nothing_is_edited_in_a_closed_cycle(company, api_as, q4, objective, kr):
    move(q4, Cycle.Status.CLOSED)
    alice = api_as(company.alice)
    for path, body in [
        (f"/objectives/{objective.pk}", {"title": "Renamed"}),
        (f"/objectives/{objective.pk}", {"reflection": "Looking back"}),
        (f"/key-results/{kr.pk}", {"title": "Renamed"}),
    ]:
        response = alice.patch(path, body)
        assert_names(response, "cycle")
        assert "closed" in response.json_body["detail"]
    assert alice.delete(f"/objectives/{objective.pk}").status_code == 400
    stored = Objective.objects.get(pk=objective.pk)
    assert (stored.title, stored.reflection) == ("Ship the scheduler", "")
    assert KeyResult.objects.get(pk=kr.pk).title == "Jobs migrated"


def test_in_grading_the_objective_is_no_longer_edited_but_its_reflection_is(
    company, api_as, q4, objective, kr
):
    move(q4, Cycle.Status.GRADING)
    alice = api_as(company.alice)
    assert_names(alice.patch(f"/objectives/{objective.pk}", {"title": "Renamed"}), "cycle")
    assert_names(alice.patch(f"/key-results/{kr.pk}", {"target": 100, "reason": "x"}), "cycle")
    response = alice.patch(f"/objectives/{objective.pk}", {"reflection": "We started late"})
    assert response.status_code == 200, response.json_body
    assert response.json_body["reflection"] == "We started late"
    stored = Objective.objects.get(pk=objective.pk)
    assert (stored.title, stored.reflection) == ("Ship the scheduler", "We started late")
    assert KeyResult.objects.get(pk=kr.pk).target == 200


@pytest.mark.parametrize(
    ("phase", "shown"),
    [
        (Cycle.Status.PLANNING, False),
        (Cycle.Status.ACTIVE, True),
        (Cycle.Status.GRADING, True),
        (Cycle.Status.CLOSED, False),
    ],
)
def test_the_check_in_form_shows_only_while_check_ins_are_open(company, q4, kr, phase, shown):
    move(q4, phase)
    client = client_for(company.alice)
    for path in [f"/objectives/{kr.objective_id}/", f"/key-results/{kr.pk}/"]:
        page = client.get(path).content.decode()
        assert (f'action="/key-results/{kr.pk}/check-in/"' in page) is shown, path


def test_a_stopped_objective_shows_no_check_in_form(company, q4, kr):
    okrs.update_objective(
        company.alice, kr.objective, {"status": "stopped"}, reason="Bought a scheduler instead"
    )
    page = client_for(company.alice).get(f"/objectives/{kr.objective_id}/").content.decode()
    assert f'action="/key-results/{kr.pk}/check-in/"' not in page
    assert "Bought a scheduler instead" in page


@pytest.mark.parametrize("phase", [Cycle.Status.GRADING, Cycle.Status.CLOSED])
def test_the_editor_of_a_graded_or_closed_objective_sends_back_with_why(company, q4, kr, phase):
    move(q4, phase)
    version = Objective.objects.get(pk=kr.objective_id).version
    client = client_for(company.alice)
    page = client.get(f"/objectives/{kr.objective_id}/").content.decode()
    assert f'href="/objectives/{kr.objective_id}/edit/"' not in page
    for method in ("get", "post"):
        response = getattr(client, method)(f"/objectives/{kr.objective_id}/edit/", follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == f"/objectives/{kr.objective_id}/"
        assert "no longer" in response.content.decode()
    assert Objective.objects.get(pk=kr.objective_id).version == version


@pytest.mark.parametrize("field", ["end", "closes_on"])
def test_a_cycle_at_the_end_of_the_calendar_is_refused(company, api_as, field):
    body = {"name": "Far", "start": "8999-01-01", "end": "8999-12-31", field: "9999-12-31"}
    response = api_as(company.admin).post("/cycles", body)
    assert response.status_code == 400
    assert response.json_body["detail"].startswith(f"{field}:")
    assert not Cycle.objects.filter(name="Far").exists()
