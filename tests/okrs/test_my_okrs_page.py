"""My OKRs (`/`): what is due from me this week, my objectives, my teams', and the key
results I contribute to on other people's objectives."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from stretch.okrs import grading
from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle
from stretch.reviews import services as reviews
from tests.helpers import client_for


def page_of(user, query: str = "") -> str:
    response = client_for(user).get(f"/{query}")
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, heading: str) -> str:
    """The part of the page from the h2 `heading` up to the next h2 (empty if absent)."""
    found = re.search(rf"<h2[^>]*>\s*{re.escape(heading)}\s*</h2>", page)
    if found is None:
        return ""
    end = page.find("<h2", found.end())
    return page[found.end() : end if end != -1 else len(page)]


def due(user, query: str = "") -> str:
    return section(page_of(user, query), "Due from you this week")


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def okr(company):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    kr = okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200, unit="jobs"
    )
    return objective, kr


# Due from you this week ---------------------------------------------------------------------


def test_it_asks_for_a_check_in_on_a_key_result_never_checked_in(company, okr):
    text = due(company.alice)
    assert "Jobs migrated" in text
    assert "never checked in" in text
    assert "1 key result needs a check-in" in text


def test_it_links_the_due_list_to_the_weekly_check_in(company, okr):
    assert f'href="/check-in/?cycle={company.quarter.pk}"' in due(company.alice)


def test_it_asks_again_when_the_last_check_in_is_older_than_a_week(company, okr):
    _objective, kr = okr
    okrs.check_in(company.alice, kr, value=10, confidence=7, at=days_ago(8))
    text = due(company.alice)
    assert "Jobs migrated" in text
    assert "last 1\xa0week, 1\xa0day ago" in text  # timesince uses no-break spaces


def test_it_asks_nothing_when_every_key_result_was_checked_in_this_week(company, okr):
    _objective, kr = okr
    okrs.check_in(company.alice, kr, value=10, confidence=7, at=days_ago(6))
    text = due(company.alice)
    assert "Jobs migrated" not in text
    assert "Nothing is due" in text


def test_it_asks_the_key_result_owner_not_the_objective_owner(company, okr):
    objective, _kr = okr
    okrs.create_key_result(
        company.alice, objective, title="Docs written", target=10, owner=company.bob
    )
    assert "Docs written" not in due(company.alice)
    assert "Docs written" in due(company.bob)


def test_it_asks_the_objective_owner_for_a_key_result_without_owner(company, okr):
    _objective, kr = okr
    okrs.update_key_result(company.alice, kr, {"owner": None})
    assert "Jobs migrated" in due(company.alice)


def test_it_asks_for_no_check_in_on_a_draft_objective(company, okr):
    objective, _kr = okr
    okrs.update_objective(company.alice, objective, {"status": "draft"})
    assert "Jobs migrated" not in due(company.alice)


def test_it_asks_for_no_check_in_in_a_cycle_that_is_still_being_planned(company, okr):
    okrs.update_cycle(company.admin, company.quarter, {"status": Cycle.Status.PLANNING})
    assert "Jobs migrated" not in due(company.alice, f"?cycle={company.quarter.pk}")


def test_it_does_not_name_a_private_objective_its_key_result_owner_may_not_see(company):
    objective = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Bob's secret plan", owner_person=company.bob
    )
    okrs.create_key_result(
        company.bob, objective, title="Quiet hiring", target=3, owner=company.alice
    )
    okrs.update_objective(company.bob, objective, {"visibility": "private"})
    page = page_of(company.alice)
    assert "Quiet hiring" not in page
    assert "secret plan" not in page


def test_it_asks_for_the_grades_of_my_objectives_when_the_cycle_is_graded(company, okr):
    okrs.update_cycle(company.admin, company.quarter, {"status": Cycle.Status.GRADING})
    text = due(company.alice, f"?cycle={company.quarter.pk}")
    assert "1 objective waits for its grade" in text
    assert "Ship the scheduler" in text
    assert "needs a check-in" not in text


def test_it_stops_asking_for_a_grade_once_the_objective_is_graded(company, okr):
    objective, _kr = okr
    okrs.update_cycle(company.admin, company.quarter, {"status": Cycle.Status.GRADING})
    grading.grade_objective(
        company.alice, objective, 0.7, reason="Most of it shipped", reflection="Late start"
    )
    text = due(company.alice, f"?cycle={company.quarter.pk}")
    assert "waits for its grade" not in text
    assert "waits for its end-of-cycle review" in text  # the next step


def test_it_asks_the_team_lead_not_the_members_to_grade_a_team_objective(company):
    okrs.create_objective(
        company.bob, cycle=company.quarter, title="Faster builds", owner_team=company.platform
    )
    okrs.update_cycle(company.admin, company.quarter, {"status": Cycle.Status.GRADING})
    query = f"?cycle={company.quarter.pk}"
    assert "Faster builds" in due(company.bob, query)
    assert "Faster builds" not in due(company.alice, query)


# My objectives and my teams' ----------------------------------------------------------------


def test_it_lists_my_objectives_of_the_cycle_under_my_objectives(company, okr):
    okrs.create_objective(
        company.alice, cycle=company.year, title="Learn Rust", owner_person=company.alice
    )
    mine = section(page_of(company.alice), "My objectives")
    assert "Ship the scheduler" in mine
    assert "Learn Rust" not in mine  # another cycle


def test_it_shows_the_chosen_cycle(company, okr):
    okrs.create_objective(
        company.alice, cycle=company.year, title="Learn Rust", owner_person=company.alice
    )
    mine = section(page_of(company.alice, f"?cycle={company.year.pk}"), "My objectives")
    assert "Learn Rust" in mine
    assert "Ship the scheduler" not in mine


def test_it_invites_me_to_write_my_first_objective(company):
    mine = section(page_of(company.alice), "My objectives")
    assert "You have no objectives in this cycle yet." in mine


def test_it_lists_my_teams_objectives_apart_from_mine(company, okr):
    okrs.create_objective(
        company.bob, cycle=company.quarter, title="Faster builds", owner_team=company.platform
    )
    page = page_of(company.alice)
    assert "Faster builds" in section(page, "My teams' objectives")
    assert "Faster builds" not in section(page, "My objectives")


def test_it_leaves_out_objectives_of_teams_i_am_not_in(company):
    okrs.create_objective(
        company.bob, cycle=company.quarter, title="Faster builds", owner_team=company.platform
    )
    assert "Faster builds" not in page_of(company.dave)


# Key results I contribute to ----------------------------------------------------------------


def test_it_lists_key_results_i_own_on_someone_elses_objective(company):
    objective = okrs.create_objective(
        company.dave, cycle=company.quarter, title="Sell more", owner_person=company.dave
    )
    okrs.create_key_result(
        company.dave, objective, title="Demo for platform", target=5, owner=company.alice
    )
    text = section(page_of(company.alice), "Key results I contribute to")
    assert "Demo for platform" in text
    assert "Sell more" in text


def test_it_does_not_repeat_key_results_of_my_own_objectives_as_contributions(company, okr):
    page = page_of(company.alice)
    assert section(page, "Key results I contribute to") == ""
    assert "Jobs migrated" in section(page, "My objectives")


def test_it_leaves_out_contributions_to_an_objective_made_private_to_me(company):
    objective = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Bob's secret plan", owner_person=company.bob
    )
    okrs.create_key_result(
        company.bob, objective, title="Quiet hiring", target=3, owner=company.alice
    )
    okrs.update_objective(company.bob, objective, {"visibility": "private"})
    assert section(page_of(company.alice), "Key results I contribute to") == ""


def test_due_lists_key_results_of_every_active_cycle_whatever_cycle_is_shown(company):
    yearly = okrs.create_objective(
        company.alice, cycle=company.year, title="A year of calm", owner_person=company.alice
    )
    okrs.create_key_result(company.alice, yearly, title="Quiet weekends", target=10)
    page = client_for(company.alice).get(f"/?cycle={company.quarter.pk}").content.decode()
    due = page[page.index("Due from you this week") : page.index("My objectives")]
    assert "Quiet weekends" in due and company.year.name in due


def test_the_company_summary_measures_a_years_objective_against_the_year(company):
    from stretch.okrs import rollup
    from stretch.org.views import summarise

    goal = okrs.create_objective(
        company.ceo, cycle=company.year, title="Long game", owner_team=company.root
    )
    rollup.annotate([goal])
    summary = summarise([goal], expected=0.5)
    assert summary.expected == pytest.approx(goal.expected_progress)
    assert summary.expected != pytest.approx(0.5)


def test_a_finished_key_result_is_not_asked_for_again(company, okr):
    _objective, kr = okr
    okrs.check_in(company.alice, kr, value=200, confidence=9, at=days_ago(20))  # the target
    assert "Jobs migrated" not in due(company.alice)


def test_a_graded_objective_asks_for_its_end_of_cycle_review_until_written(company, okr):
    objective, kr = okr
    okrs.update_cycle(company.admin, company.quarter, {"status": Cycle.Status.GRADING})
    grading.grade_key_result(company.alice, kr, 0.0)
    grading.grade_objective(company.alice, objective, reflection="Started too late")
    text = due(company.alice, f"?cycle={company.quarter.pk}")
    assert "1 graded objective waits for its end-of-cycle review" in text
    assert "waits for its grade" not in text
    reviews.write_review(
        company.alice,
        objective=objective,
        cycle=Cycle.objects.get(pk=company.quarter.pk),
        kind="final",
        learned="Start in week one",
    )
    assert "end-of-cycle review" not in due(company.alice, f"?cycle={company.quarter.pk}")
