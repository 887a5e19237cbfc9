"""A week with Stretch in a real browser: write an objective with three key results, align it,
check in, read the chart, expand the alignment tree, search, and switch to Chinese.

Each main page is also saved as a screenshot in test-results/screenshots/ (not committed),
to be looked at by a person after a change to the pages.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from stretch.okrs import services as okrs
from stretch.okrs.models import Objective
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def company_goal(company):
    goal = okrs.create_objective(
        company.ceo,
        cycle=company.year,
        title="Be the most reliable robot maker",
        owner_team=company.root,
        pillar=company.pillar,
    )
    okrs.create_key_result(company.ceo, goal, title="Customer NPS", start=30, target=50)
    return goal


def write_objective(page, live_server):
    page.get_by_role("link", name="New objective").first.click()
    expect(page.get_by_role("heading", name=re.compile("objective", re.I)).first).to_be_visible()
    page.fill("#id_title", "Make deploys boring")
    page.fill("#id_description", "Nobody should fear a Friday release.")
    page.fill("#parent-search", "reliable")
    option = page.locator("#parent-options label", has_text="Be the most reliable robot maker")
    expect(option).to_be_visible()
    option.locator("input").check()
    # Let the search as you type answer before going on: the live server shares one in-memory
    # SQLite connection between its threads, so a save racing the search can fail in tests.
    expect(page.locator("#parent-status")).to_contain_text("found")

    page.fill('[name="kr-0-title"]', "Deploys per week")
    page.fill('[name="kr-0-start"]', "2")
    page.fill('[name="kr-0-target"]', "20")
    page.fill('[name="kr-0-unit"]', "deploys")

    page.fill('[name="kr-1-title"]', "Failed deploys")
    page.select_option('[name="kr-1-direction"]', "decrease")
    page.fill('[name="kr-1-start"]', "12")
    page.fill('[name="kr-1-target"]', "2")
    page.fill('[name="kr-1-unit"]', "%")

    page.fill('[name="kr-2-title"]', "One-click rollback")
    page.select_option('[name="kr-2-kind"]', "milestone")
    page.fill('[name="kr-2-steps"]', "Design\nBuild\nDrill")
    shoot(page, "write-objective")
    page.locator('button[name="save"]').last.click()
    expect(page.get_by_role("heading", name="Make deploys boring")).to_be_visible()
    shoot(page, "objective")


def test_a_week_with_stretch(live_server, company, company_goal, page):
    log_in(page, live_server, "alice", "pw-alice-123")
    shoot(page, "my-okrs")

    # Write an objective with three key results, aligned to the company's.
    write_objective(page, live_server)
    objective = Objective.objects.get(title="Make deploys boring")
    assert objective.parent == company_goal
    deploys, failed, rollback = objective.key_results.order_by("position")
    assert (deploys.kind, failed.direction, rollback.kind) == ("metric", "decrease", "milestone")
    assert rollback.steps.count() == 3

    # The weekly check-in: two rows changed, saved in one submit, without a reload.
    page.get_by_role("link", name="Check-in", exact=True).click()
    page.evaluate("window.__notReloaded = true")
    page.fill(f'[name="kr-{deploys.pk}-value"]', "11")
    page.fill(f'[name="kr-{deploys.pk}-confidence"]', "8")
    page.fill(f'[name="kr-{deploys.pk}-note"]', "Pipeline cache landed")
    page.locator(f"#kr-{rollback.pk} input[type=checkbox]").first.check()
    page.get_by_role("button", name="Save check-ins").click()
    expect(page.locator(f"#kr-{deploys.pk}")).to_contain_text("Saved")
    expect(page.locator(f"#kr-{deploys.pk} .pct")).to_have_text("50%")
    expect(page.locator(f"#kr-{rollback.pk} .pct")).to_have_text("33%")
    assert page.evaluate("window.__notReloaded") is True
    shoot(page, "weekly-check-in")

    # The key result page draws the check-in on its chart.
    page.locator(f"#kr-{deploys.pk}").get_by_role("link", name="Deploys per week").click()
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    expect(page.locator("main")).to_contain_text("Pipeline cache landed")
    shoot(page, "key-result")

    # The objective page shows its progress: (0.5 + 0 + 1/3) / 3.
    page.goto(f"{live_server.url}/objectives/{objective.pk}/")
    expect(page.locator("#objective-progress .pct")).to_have_text("28%")

    # The company's alignment tree: the first levels are in the page, deeper ones load when
    # opened.
    cache = okrs.create_objective(
        company.bob,
        cycle=company.quarter,
        title="Cache the build pipeline",
        owner_person=company.bob,
        parent=objective,
    )
    okrs.create_objective(
        company.carol,
        cycle=company.quarter,
        title="Warm caches before the release",
        owner_person=company.carol,
        parent=cache,
    )
    page.get_by_role("link", name="Company").click()
    node = page.locator("li.node", has=page.get_by_role("link", name=cache.title)).last
    expect(node).to_be_visible()
    deepest = page.get_by_role("link", name="Warm caches before the release")
    expect(deepest).to_have_count(0)
    node.locator("details.below > summary").last.click()
    expect(deepest.first).to_be_visible()
    shoot(page, "company")

    # Search finds it.
    page.get_by_role("link", name="Explore").click()
    page.fill("#q", "friday release")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Make deploys boring")).to_be_visible()
    expect(page.get_by_role("link", name="Be the most reliable robot maker")).to_have_count(0)
    shoot(page, "explore")

    # Chinese, chosen from the header, stays for the next pages.
    page.select_option("#language", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("link", name="我的 OKR")).to_be_visible()
    page.get_by_role("link", name="我的 OKR").click()
    expect(page.get_by_role("heading", name=re.compile("我的 OKR"))).to_be_visible()
    shoot(page, "my-okrs-zh")
