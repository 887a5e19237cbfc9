"""A person starts a 1:1 from the page, puts a key result on the agenda and sees its
progress; the other participant sees it too, without the first one's private note."""

import re

import pytest
from playwright.sync_api import expect

from stretch.okrs import services as okrs
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_one_on_one_agenda_item_shows_the_linked_key_results_progress(live_server, company, page):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    kr = okrs.create_key_result(company.alice, objective, title="Jobs migrated", target=200)
    okrs.check_in(company.alice, kr, value=50)

    log_in(page, live_server, "alice", "pw-alice-123")
    page.locator("details.more summary").click()
    page.get_by_role("link", name="1:1s").click()
    expect(page.get_by_role("heading", name="1:1s", exact=True)).to_be_visible()
    page.get_by_label("With").select_option(str(company.bob.pk))
    page.get_by_label("Title").fill("Alice and Bob")
    page.get_by_label("Repeats").select_option("weekly")
    page.get_by_label("First meeting").fill("2030-01-07T10:00")
    page.get_by_label("Template").select_option("mid_cycle")
    page.get_by_role("button", name="Start the 1:1").click()

    expect(page.get_by_role("heading", name="Alice and Bob")).to_be_visible()
    expect(page.locator(".agenda")).to_contain_text("Progress of each key result")
    page.get_by_label("Talking point").fill("How the migration goes")
    page.get_by_label("Linked key result").select_option(str(kr.pk))
    page.get_by_role("button", name="Add to the agenda").click()

    item = page.locator(".agenda li", has_text="How the migration goes")
    expect(item).to_contain_text("Jobs migrated")
    expect(item.locator(".pct")).to_have_text("25%")
    page.get_by_label("My private note").fill("Ask about the on-call load")
    page.get_by_role("button", name="Save my note").click()
    expect(page.get_by_label("My private note")).to_have_value("Ask about the on-call load")

    url = page.url
    page.context.clear_cookies()
    company.bob.set_password("pw-bob-123")
    company.bob.save()
    log_in(page, live_server, "bob", "pw-bob-123")
    page.goto(url)
    item = page.locator(".agenda li", has_text="How the migration goes")
    expect(item.locator(".pct")).to_have_text("25%")
    expect(page.get_by_label("My private note")).to_have_value("")
    expect(page.locator("main")).not_to_contain_text(re.compile("on-call load"))
