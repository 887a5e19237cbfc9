"""A person logs in, opens an objective and checks in; the page updates without a reload."""

import re

import pytest
from playwright.sync_api import expect

from stretch.okrs import services as okrs
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_check_in_updates_progress_in_place(live_server, company, page):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    kr = okrs.create_key_result(company.alice, objective, title="Jobs migrated", target=200)

    log_in(page, live_server, "alice", "pw-alice-123")
    expect(page.get_by_role("heading", name=re.compile("My OKRs"))).to_be_visible()
    page.get_by_role("link", name="Ship the scheduler").click()

    page.evaluate("window.__notReloaded = true")
    card = page.locator(f"#kr-{kr.pk}")
    card.get_by_label("New value").fill("150")
    card.get_by_label("Confidence (1-10)").fill("8")
    card.get_by_label("Note").fill("Most jobs moved")
    card.get_by_role("button", name="Check in").click()

    expect(page.locator(f"#kr-{kr.pk} .pct")).to_have_text("75%")
    expect(page.locator("#objective-progress .pct")).to_have_text("75%")
    expect(page.locator(f"#kr-{kr.pk} .history")).to_contain_text("Most jobs moved")
    assert page.evaluate("window.__notReloaded") is True
    kr.refresh_from_db()
    assert kr.current == 150


def test_a_bad_value_is_shown_next_to_the_field(live_server, company, page):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    kr = okrs.create_key_result(company.alice, objective, title="Jobs migrated", target=200)
    log_in(page, live_server, "alice", "pw-alice-123")
    page.goto(f"{live_server.url}/objectives/{objective.pk}/")
    # Closed while alice types: her check-in is refused, and what she typed stays.
    okrs.update_cycle(company.admin, company.quarter, {"status": "closed"})
    card = page.locator(f"#kr-{kr.pk}")
    card.get_by_label("New value").fill("10")
    card.get_by_label("Confidence (1-10)").fill("5")
    card.get_by_role("button", name="Check in").click()
    expect(card.get_by_role("alert")).to_contain_text("closed")
    expect(card.get_by_label("New value")).to_have_value("10")
