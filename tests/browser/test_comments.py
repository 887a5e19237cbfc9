"""Alice comments on her objective and mentions Bob, picking him from the suggestions; Bob
logs in and finds the mention in his inbox."""

import re

import pytest
from playwright.sync_api import expect

from stretch.okrs import services as okrs
from stretch.social.models import Comment
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_mentioned_person_sees_the_notification(live_server, company, page, browser):
    company.bob.set_password("pw-bob-123")
    company.bob.save()
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )

    log_in(page, live_server, "alice", "pw-alice-123")
    page.goto(f"{live_server.url}/objectives/{objective.pk}/")
    page.evaluate("window.__notReloaded = true")
    section = page.locator(f"#comments-objective-{objective.pk}")
    box = section.get_by_label("Add a comment")
    box.click()
    box.press_sequentially("Could you review this, @bo")
    suggestions = page.get_by_role("listbox")
    expect(suggestions.get_by_role("option", name=re.compile("Bob"))).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Enter")  # takes the highlighted suggestion
    expect(box).to_have_value("Could you review this, @bob ")
    box.press_sequentially("please?")
    section.get_by_role("button", name="Comment", exact=True).click()

    comment = page.locator(f"#comments-objective-{objective.pk} .comment").first
    expect(comment.locator("a.mention")).to_have_text("@bob")
    assert page.evaluate("window.__notReloaded") is True  # HTMX swapped the section in
    assert Comment.objects.get().body == "Could you review this, @bob please?"

    context = browser.new_context(viewport={"width": 1100, "height": 900})
    bob = context.new_page()
    try:
        log_in(bob, live_server, "bob", "pw-bob-123")
        expect(bob.locator("#bell .badge")).to_have_text("1")
        bob.locator("#bell").click()
        expect(bob.locator("main")).to_contain_text("Alice mentioned you")
    finally:
        context.close()


def test_the_suggestions_answer_the_keyboard(live_server, company, page):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    log_in(page, live_server, "alice", "pw-alice-123")
    page.goto(f"{live_server.url}/objectives/{objective.pk}/")
    box = page.locator(f"#comments-objective-{objective.pk}").get_by_label("Add a comment")
    box.click()
    box.press_sequentially("@c")  # carol and ceo ("Cleo CEO")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", re.compile("-1$"))
    box.press("Tab")
    expect(box).to_have_value("@ceo ")
    box.press_sequentially("@ca")
    expect(options).to_have_count(1)
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_value("@ceo @ca")
