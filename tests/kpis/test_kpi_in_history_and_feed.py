"""A key result following a KPI says so in its change history, and the feed names the KPI
as the author of the check-ins its measurements make."""

from stretch.kpis import services
from stretch.okrs import history
from stretch.okrs import services as okrs
from stretch.social import activity_text, feed


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
