"""A person recognises a colleague for a company value from the wall; the card appears
with the value and the linked objective, a reaction toggles in place (HTMX), and the
colleague finds it on the wall of their team and in their notifications."""

import os

import pytest
from playwright.sync_api import expect

from stretch.okrs import services as okrs
from stretch.org.models import CompanyValue
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_recognition_given_on_the_wall_reaches_the_wall_and_the_receiver(
    live_server, company, page
):
    CompanyValue.objects.create(name="Ownership", position=0)
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )

    log_in(page, live_server, "alice", "pw-alice-123")
    page.locator("details.more summary").click()
    page.get_by_role("link", name="Recognition").click()
    expect(page.get_by_role("heading", name="Recognition", exact=True)).to_be_visible()
    page.get_by_label("Who").select_option(str(company.bob.pk))
    page.get_by_label("What they did").fill("Took the **night shift** for the migration")
    page.get_by_label("Company value (optional)").select_option(label="Ownership")
    page.get_by_label("For an objective (optional)").select_option(str(objective.pk))
    page.get_by_role("button", name="Recognise", exact=True).click()

    expect(page.get_by_role("status").or_(page.locator(".messages"))).to_contain_text(
        "Recognition given"
    )
    card = page.locator("article.recognition").first
    expect(card.locator(".receiver")).to_have_text("Bob")
    expect(card.locator("strong")).to_have_text("night shift")  # Markdown, rendered
    expect(card.locator(".value-pill")).to_have_text("Ownership")
    expect(card.locator(".recognition-okr")).to_contain_text("Ship the scheduler")
    if os.environ.get("STRETCH_SHOTS"):
        page.screenshot(path=os.path.join(os.environ["STRETCH_SHOTS"], "wall.png"), full_page=True)

    card.locator("details.add-reaction summary").click()
    card.get_by_role("button", name="React with 🎉").click()
    mine = card.locator("button.reaction.mine")
    expect(mine).to_have_attribute("aria-pressed", "true")
    expect(mine.locator(".count")).to_have_text("1")
    mine.click()  # a second click takes it back, still in place
    expect(card.locator("button.reaction.mine")).to_have_count(0)

    page.context.clear_cookies()
    company.bob.set_password("pw-bob-123")
    company.bob.save()
    log_in(page, live_server, "bob", "pw-bob-123")
    page.goto(f"{live_server.url}/teams/{company.platform.pk}/recognition/")
    expect(page.locator("article.recognition").first).to_contain_text("night shift")
    expect(page.locator(".recognition-counts")).to_contain_text("Bob")
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("main")).to_contain_text("Alice recognised Bob for Ownership")
