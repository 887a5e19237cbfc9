"""A key result following a KPI says so in its change history, and the feed names the KPI
as the author of the check-ins its measurements make."""

import pytest

from stretch.kpis import services
from stretch.okrs import history
from stretch.okrs import services as okrs
from stretch.social import activity_text, feed
from tests.helpers import client_for


def test_the_feed_names_the_kpi_behind_a_system_check_in(company, uptime, uptime_kr):
    services.add_measurement(company.alice, uptime, value=99.97, date=uptime_kr.created_at.date())
    line = feed.feed(company.ceo).filter(verb="check_in", key_result=uptime_kr).latest("id")
    assert line.actor is None
    assert activity_text.who(line) == "The KPI “Uptime”"
    assert activity_text.sentence(line).startswith("The KPI “Uptime”")


def test_following_a_kpi_is_in_the_key_results_history(company, scheduler, latency):
    kr = okrs.create_key_result(company.alice, scheduler, title="Fast pages", target=150, unit="ms")
    okrs.update_key_result(company.alice, kr, {"kpi": latency.pk}, reason="Track the real number")
    changes = history.of_objective(scheduler, viewer=company.alice)
    fields = [f for change in changes for f in change.fields]
    assert any(name == "follows KPI" and new == "Latency" for name, _old, new in fields), fields


def test_the_editor_makes_a_key_result_follow_a_kpi_with_a_conversion(company, latency):
    from tests.okrs.test_editor import edit_url, form_of, row

    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Fast pages", owner_person=company.alice
    )
    kr = okrs.create_key_result(company.alice, objective, title="p95 under 0.15 s", target=0.15)
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    assert "Platform · Latency (ms)" in client.get(edit_url(objective)).content.decode()

    row(data, 0, unit="s", kpi=latency.pk)  # seconds against milliseconds, no conversion
    refused = client.post(edit_url(objective), data)
    assert refused.status_code == 400
    assert "state the conversion" in refused.content.decode()
    kr.refresh_from_db()
    assert kr.kpi is None

    row(data, 0, unit="s", kpi=latency.pk, kpi_factor=0.001)
    assert client.post(edit_url(objective), data).status_code == 302
    kr.refresh_from_db()
    assert (kr.kpi, kr.kpi_factor) == (latency, 0.001)
    services.add_measurement(company.bob, latency, value=180, date=kr.created_at.date())
    kr.refresh_from_db()
    assert kr.current == pytest.approx(0.18)
    again = form_of(client, edit_url(objective))
    assert again["kr-0-kpi"] == str(latency.pk) and again["kr-0-kpi_factor"] == "0.001"


def test_the_objective_and_key_result_pages_show_a_kpi_check_in_as_from_the_kpi(
    company, uptime, uptime_kr
):
    services.add_measurement(company.alice, uptime, value=99.97, date=uptime_kr.created_at.date())
    client = client_for(company.alice)
    for path in (f"/objectives/{uptime_kr.objective_id}/", f"/key-results/{uptime_kr.pk}/"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "from a KPI" in page.content.decode(), path
