"""Fixtures of the KPI tests, on the company of tests/conftest.py (dated from the real
today, as the KPI rules are: a measurement may not be in the future).

- uptime: Platform's KPI, owned by alice, green at or above 99.9 %, red below 99.5 %
- latency: Platform's KPI without an owner, green at or below 200 ms, red above 400 ms
- scheduler: alice's objective in the quarter, with "uptime_kr" following uptime
"""

from datetime import date, timedelta

import pytest

from stretch.kpis import services
from stretch.okrs import services as okrs


def days_ago(n: int) -> date:
    return date.today() - timedelta(days=n)


@pytest.fixture
def uptime(company):
    return services.create_kpi(
        company.bob,
        team=company.platform,
        name="Uptime",
        unit="%",
        band="above",
        green=99.9,
        red=99.5,
        owner=company.alice,
    )


@pytest.fixture
def latency(company):
    return services.create_kpi(
        company.bob,
        team=company.platform,
        name="Latency",
        unit="ms",
        band="below",
        green=200,
        red=400,
    )


@pytest.fixture
def scheduler(company):
    return okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )


@pytest.fixture
def uptime_kr(company, scheduler, uptime):
    return okrs.create_key_result(
        company.alice,
        scheduler,
        title="Uptime at 99.95 %",
        start=99.0,
        target=99.95,
        kpi=uptime,
    )
