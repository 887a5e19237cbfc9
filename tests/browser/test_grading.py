"""The end of a cycle in a real browser: an administrator opens grading on the cycles page,
the owner grades each key result (one away from its suggestion, with a reason), is asked to
explain a committed objective that fell short, and writes the end-of-cycle review, whose
diagnosis comes from the cycle's own data."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.reviews.models import Review
from tests.browser.conftest import log_in
from tests.browser.test_journey import shoot

pytestmark = pytest.mark.browser


@pytest.fixture
def finished_quarter(company):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    jobs = okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200, unit="jobs"
    )
    cutover = okrs.create_key_result(company.alice, objective, title="Cut-over", kind="milestone")
    # Written when the quarter began, six weeks ago, and checked in every week since.
    began = timezone.now() - timedelta(weeks=6)
    KeyResult.objects.filter(objective=objective).update(created_at=began)
    for weeks_ago, value in [(6, 20), (5, 40), (4, 80), (3, 110), (2, 130), (1, 140), (0, 140)]:
        at = timezone.now() - timedelta(weeks=weeks_ago, hours=1)
        okrs.check_in(company.alice, jobs, value=value, at=at)
        okrs.check_in(company.alice, cutover, done=False, at=at)
    return objective, jobs, cutover


def test_grading_and_the_end_of_cycle_review(company, live_server, page, finished_quarter):
    objective, jobs, cutover = finished_quarter

    log_in(page, live_server, "admin", "pw-admin-123")
    page.goto(f"{live_server.url}/cycles/")
    row = page.locator(f"#cycle-{company.quarter.pk}")
    expect(row).to_contain_text("Active")
    row.get_by_role("button", name="Open grading").click()
    expect(page.locator(".messages")).to_contain_text("Quarter is now in its Grading phase.")
    expect(page.locator(f"#cycle-{company.quarter.pk}")).to_contain_text("Grading")
    shoot(page, "cycles")
    page.context.clear_cookies()

    log_in(page, live_server, "alice", "pw-alice-123")
    page.goto(f"{live_server.url}/objectives/{objective.pk}/")
    # 140 of 200 jobs: 70 % suggests 0.7; the cut-over did not happen: 0.0
    expect(page.locator(f"#kr-{jobs.pk}-score")).to_have_value("0.7")
    expect(page.locator(f"#kr-{cutover.pk}-score")).to_have_value("0.0")
    page.locator(f"#kr-{jobs.pk}-grade").get_by_role("button", name="Grade").click()
    expect(page.locator(f"#kr-{jobs.pk}-grade .pill.grade.green")).to_have_text("Score 0.7")

    page.select_option(f"#kr-{cutover.pk}-score", "0.3")
    page.locator(f"#kr-{cutover.pk}-grade").get_by_role("button", name="Grade").click()
    expect(page.locator(f"#kr-{cutover.pk}-grade [role=alert]")).to_contain_text(
        "The suggested score is 0.0"
    )
    page.fill(f"#kr-{cutover.pk}-reason", "Staging cut over; production waits for a freeze")
    page.locator(f"#kr-{cutover.pk}-grade").get_by_role("button", name="Grade").click()
    expect(page.locator(f"#kr-{cutover.pk}-grade .pill.grade.red")).to_have_text("Score 0.3")

    # The weighted mean (0.7 + 0.3) / 2 = 0.5 is offered; a committed objective below 1.0
    # must say what got in the way, and what was typed stays.
    expect(page.locator("#objective-score")).to_have_value("0.5")
    page.get_by_role("button", name="Grade the objective").click()
    expect(page.locator("#grading [role=alert]")).to_contain_text("explain what got in the way")
    page.fill("#objective-reflection", "The freeze came two weeks early.")
    page.get_by_role("button", name="Grade the objective").click()
    grade = page.locator("#grading")
    expect(grade.locator(".pill.grade.yellow")).to_have_text("Score 0.5")
    expect(grade).to_contain_text("this one fell short")
    expect(grade).to_contain_text("The freeze came two weeks early.")
    assert Objective.objects.get(pk=objective.pk).score == 0.5
    assert KeyResult.objects.get(pk=cutover.pk).score_reason.startswith("Staging")
    expect(page.locator("#history-heading ~ ol, .history").first).to_be_visible()

    final = page.locator("section.review.final")
    if final.locator("details.review-form").get_attribute("open") is None:
        final.locator("summary").click()
    final.locator("textarea").nth(0).fill("Jobs moved steadily every week.")
    final.locator("textarea").nth(2).fill("Book freezes into the plan.")
    final.get_by_role("button", name="Save the review").click()
    final = page.locator("section.review.final")
    expect(final.get_by_role("status")).to_have_text("Review saved.")
    # A score of 0.5 with check-ins every week: the plan was followed, look at the strategy.
    expect(final.locator(".diagnosis")).to_contain_text("Look at the strategy")
    shoot(page, "grading")
    review = Review.objects.get(objective=objective, kind="final")
    assert review.diagnosis == "strategy"
    assert Cycle.objects.get(pk=company.quarter.pk).status == Cycle.Status.GRADING
