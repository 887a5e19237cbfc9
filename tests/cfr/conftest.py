"""1:1 fixtures: the clock on 1 October 2026 noon UTC (tests/okrs/conftest.py), alice's
objective with a key result half done, and a weekly 1:1 of bob (manager) and alice."""

from datetime import UTC, datetime

import pytest

from stretch.cfr import services
from stretch.okrs import services as okrs
from tests.okrs.conftest import clock, objective, q4  # noqa: F401  (fixtures)

FIRST_MEETING = datetime(2026, 10, 5, 10, tzinfo=UTC)  # a Monday


@pytest.fixture
def kr(company, objective):  # noqa: F811
    key_result = okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=10
    )
    okrs.check_in(company.alice, key_result, value=5)
    return key_result


@pytest.fixture
def one_on_one(company, clock):  # noqa: F811
    return services.create_conversation(
        company.bob,
        participants=[company.bob.pk, company.alice.pk],
        title="Bob and Alice",
        cadence="weekly",
        first_meeting_at=FIRST_MEETING,
        template="weekly",
    )
