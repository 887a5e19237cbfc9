"""Staleness: a key result not checked in within its check-in rhythm is flagged, in the API
and wherever progress is shown, while check-ins are due.

The clock starts on Thursday 1 October 2026, noon UTC, the first day of "Q4 2026". Alice's
objective follows Platform's rhythm (weekly unless a test changes it).
"""

import re
from datetime import UTC, date, datetime

import pytest

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, KeyResult
from stretch.org.models import Team
from tests.helpers import client_for


def on(day: int, month: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def kr(company, objective):
    return okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200
    )


def stale(api, kr) -> bool:
    response = api.get(f"/key-results/{kr.pk}")
    assert response.status_code == 200, response.json_body
    return response.json_body["stale"]


def stale_pills(page: str) -> int:
    return len(re.findall(r'<span class="pill stale"[^>]*>Stale</span>', page))


def objective_page(user, objective) -> str:
    response = client_for(user).get(f"/objectives/{objective.pk}/")
    assert response.status_code == 200
    return response.content.decode()


# The rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "expected"), [(7, False), (8, False), (9, True), (20, True)])
def test_a_weekly_key_result_not_checked_in_for_more_than_a_week_is_stale(
    company, api_as, clock, kr, day, expected
):
    clock.move_to(on(day))  # 6, 7, 8 and 19 days after it was written
    assert stale(api_as(company.alice), kr) is expected


def test_the_objective_page_shows_a_stale_key_result(company, clock, objective, kr):
    clock.move_to(on(7))
    assert stale_pills(objective_page(company.bob, objective)) == 0
    clock.move_to(on(9))
    assert stale_pills(objective_page(company.bob, objective)) == 1


def test_a_check_in_clears_it_and_starts_the_count_again(company, api_as, clock, kr):
    alice = api_as(company.alice)
    clock.move_to(on(9))
    assert stale(alice, kr) is True
    okrs.check_in(company.alice, kr, value=40)
    assert stale(alice, kr) is False
    clock.move_to(on(16))  # a week after the check-in
    assert stale(alice, kr) is False
    clock.move_to(on(17))
    assert stale(alice, kr) is True


def test_the_count_starts_when_the_key_result_was_written(company, api_as, clock, objective):
    clock.move_to(on(20))
    late = okrs.create_key_result(company.alice, objective, title="Added late", target=5)
    clock.move_to(on(27))
    assert stale(api_as(company.alice), late) is False
    clock.move_to(on(28))
    assert stale(api_as(company.alice), late) is True


def test_a_team_checking_in_every_two_weeks_has_fourteen_days(company, api_as, clock, kr):
    Team.objects.filter(pk=company.platform.pk).update(check_in_cadence="biweekly")
    clock.move_to(on(15))  # 14 days
    assert stale(api_as(company.alice), kr) is False
    clock.move_to(on(16))
    assert stale(api_as(company.alice), kr) is True


def test_a_team_objective_follows_its_teams_rhythm(company, api_as, clock, q4):
    Team.objects.filter(pk=company.sales.pk).update(check_in_cadence="biweekly")
    objective = okrs.create_objective(
        company.admin, cycle=q4, title="Sell more", owner_team=company.sales
    )
    kr = okrs.create_key_result(company.admin, objective, title="Deals", target=10)
    clock.move_to(on(12))
    assert stale(api_as(company.dave), kr) is False  # Sales checks in every two weeks
    clock.move_to(on(16))
    assert stale(api_as(company.dave), kr) is True


def test_without_a_team_the_cycles_rhythm_counts(company, api_as, clock):
    monthly = okrs.create_cycle(
        company.admin,
        name="Q4 monthly",
        start=date(2026, 10, 1),
        end=date(2026, 12, 31),
        status=Cycle.Status.ACTIVE,
        cadence="monthly",
    )
    objective = okrs.create_objective(
        company.admin, cycle=monthly, title="Tidy up", owner_person=company.admin
    )
    kr = okrs.create_key_result(company.admin, objective, title="Rooms", target=4)
    clock.move_to(on(31))  # 30 days
    assert stale(api_as(company.admin), kr) is False
    clock.move_to(on(2, 11))  # 32 days
    assert stale(api_as(company.admin), kr) is True


# When check-ins are not due -----------------------------------------------------------------


@pytest.mark.parametrize("phase", ["planning", "grading", "closed"])
def test_nothing_is_stale_unless_the_cycle_is_active(company, api_as, clock, q4, kr, phase):
    clock.move_to(on(20))
    Cycle.objects.filter(pk=q4.pk).update(status=phase)
    assert stale(api_as(company.alice), kr) is False


def test_a_stopped_objective_has_no_stale_key_result(company, api_as, clock, objective, kr):
    okrs.update_objective(company.alice, objective, {"status": "stopped"}, reason="Dropped")
    clock.move_to(on(20))
    assert stale(api_as(company.alice), kr) is False
    assert stale_pills(objective_page(company.alice, objective)) == 0


def test_a_finished_key_result_is_not_stale(company, api_as, clock, kr):
    okrs.check_in(company.alice, kr, value=200)
    clock.move_to(on(20))
    assert stale(api_as(company.alice), kr) is False


# Everywhere progress is shown -----------------------------------------------------------------


def test_the_objective_in_the_api_carries_its_key_results_staleness(
    company, api_as, clock, q4, objective, kr
):
    fresh = okrs.create_key_result(company.alice, objective, title="Fresh", target=5)
    clock.move_to(on(9))
    okrs.check_in(company.alice, fresh, value=1)
    body = api_as(company.bob).get(f"/objectives?cycle={q4.pk}").json_body
    [listed] = body["items"]
    assert {k["title"]: k["stale"] for k in listed["key_results"]} == {
        "Jobs migrated": True,
        "Fresh": False,
    }


@pytest.mark.parametrize("path", ["/", "/explore/"])
def test_the_objective_card_counts_its_stale_key_results(company, clock, q4, objective, kr, path):
    okrs.create_key_result(company.alice, objective, title="Second", target=5)
    okrs.create_key_result(company.alice, objective, title="Third", target=5)
    query = f"{path}?cycle={q4.pk}"
    clock.move_to(on(8))
    assert "stale key result" not in client_for(company.alice).get(query).content.decode()
    clock.move_to(on(9))
    okrs.check_in(company.alice, kr, value=10)
    page = client_for(company.alice).get(query).content.decode()
    assert "2 stale key results" in page
    okrs.check_in(company.alice, KeyResult.objects.get(title="Second"), value=1)
    page = client_for(company.alice).get(query).content.decode()
    assert "1 stale key result" in page
    assert "1 stale key results" not in page


def test_the_key_result_page_shows_it_stale(company, clock, kr):
    clock.move_to(on(9))
    response = client_for(company.bob).get(f"/key-results/{kr.pk}/")
    assert response.status_code == 200
    assert stale_pills(response.content.decode()) == 1


@pytest.mark.parametrize("page", ["person", "team"])
def test_the_person_and_team_pages_show_a_stale_key_result(company, clock, q4, kr, page):
    team_objective = okrs.create_objective(
        company.bob, cycle=q4, title="Faster builds", owner_team=company.platform
    )
    okrs.create_key_result(company.bob, team_objective, title="Build time", target=5)
    clock.move_to(on(9))
    if page == "person":
        path, title = f"/people/{company.alice.pk}/?cycle={q4.pk}", "Jobs migrated"
    else:
        path, title = f"/teams/{company.platform.pk}/?cycle={q4.pk}", "Build time"
    response = client_for(company.bob).get(path)
    assert response.status_code == 200
    shown = response.content.decode()
    assert title in shown  # the key result and its progress are on the page
    assert stale_pills(shown) == 1
