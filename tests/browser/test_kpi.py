"""A team lead adds a KPI from the board, measures it on its page until it has been red
twice in a row, and makes the recovery objective the page then offers: the objective has
one key result, following the KPI, and the KPI page shows the recovery beside it."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stretch.kpis.models import Kpi
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    if os.environ.get("STRETCH_SHOTS"):
        page.screenshot(path=os.path.join(os.environ["STRETCH_SHOTS"], name), full_page=True)


def measure(page, value: str, days_ago: int) -> None:
    day = timezone.localdate() - timedelta(days=days_ago)
    page.get_by_label("Value (%)").fill(value)
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_role("button", name="Add the measurement").click()
    expect(page.locator(".messages")).to_contain_text(f"Measured {value} %")


def test_a_kpi_that_stays_red_gets_its_recovery_objective(live_server, company, page):
    company.bob.set_password("pw-bob-123")
    company.bob.save()
    log_in(page, live_server, "bob", "pw-bob-123")
    page.locator("details.more summary").click()
    page.get_by_role("link", name="KPIs").click()
    expect(page.get_by_role("heading", name="KPIs", exact=True)).to_be_visible()

    form = page.locator("#new-kpi")
    form.get_by_label("Team").select_option(label="Platform")
    form.get_by_label("Name").fill("Uptime")
    form.get_by_label("Unit (optional)").fill("%")
    form.get_by_label("Healthy when it is").select_option("within")
    expect(form.get_by_label("Green from")).to_be_visible()
    expect(form.get_by_label("Green limit")).to_be_hidden()  # only the band's own limits
    form.get_by_label("Healthy when it is").select_option("above")
    expect(form.get_by_label("Green from")).to_be_hidden()
    form.get_by_label("Green limit").fill("99.5")
    form.get_by_label("Red limit").fill("99")
    shot(page, "kpi-board-form.png")
    form.get_by_role("button", name="Add the KPI").click()

    expect(page.get_by_role("heading", name="Uptime")).to_be_visible()
    expect(page.locator(".kpi-band-words")).to_have_text("Green at or above 99.5 %, red below 99 %")
    measure(page, "99.7", 14)
    measure(page, "98.8", 7)
    expect(page.locator(".kpi-now")).to_contain_text("Red")
    expect(page.get_by_role("button", name="Create a recovery objective")).to_have_count(0)
    measure(page, "98.5", 0)
    expect(page.locator(".messages")).to_contain_text("time for a recovery objective")
    expect(page.locator("svg.chart circle.dot")).to_have_count(3)
    expect(page.locator("svg.chart circle.dot.red")).to_have_count(2)
    recovery = page.locator("#recovery")
    expect(recovery.get_by_label("Objective")).to_have_value("Bring “Uptime” back into its band")
    expect(recovery.get_by_label("Key result’s target (%)")).to_have_value("99.5")
    shot(page, "kpi-red.png")
    recovery.get_by_role("button", name="Create a recovery objective").click()

    expect(page.locator(".messages")).to_contain_text("Recovery objective")
    expect(page.get_by_role("heading", name="Bring “Uptime” back into its band")).to_be_visible()
    kpi = Kpi.objects.get(name="Uptime")
    (kr,) = kpi.recovery.key_results.all()
    assert (kr.kpi_id, kr.start, kr.target) == (kpi.pk, 98.5, 99.5)
    expect(page.locator("main")).to_contain_text(kr.title)
    shot(page, "kpi-recovery-objective.png")

    page.goto(f"{live_server.url}/key-results/{kr.pk}/")
    page.get_by_role("link", name="Follows the KPI “Uptime”").click()
    expect(page.locator("#recovery .recovery-title")).to_have_text(
        "Bring “Uptime” back into its band"
    )
    expect(page.locator("#recovery svg.progress")).to_be_visible()
    expect(page.locator(".kpi-following")).to_contain_text(kr.title)
    shot(page, "kpi-recovering.png")
