"""Fixtures of the review-rhythm tests: a clock standing on 1 October 2026, noon UTC, and the
quarter "Q4 2026" (1 October to 31 December 2026) active, with one objective of alice's."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle

FIRST_DAY = datetime(2026, 10, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(FIRST_DAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def q4(company, clock):
    # The company fixture's own cycles are dated from the real today; keep them out of the way.
    Cycle.objects.filter(pk__in=[company.year.pk, company.quarter.pk]).update(
        status=Cycle.Status.CLOSED
    )
    return okrs.create_cycle(
        company.admin,
        name="Q4 2026",
        start=date(2026, 10, 1),
        end=date(2026, 12, 31),
        status=Cycle.Status.ACTIVE,
    )


@pytest.fixture
def objective(company, q4):
    return okrs.create_objective(
        company.alice, cycle=q4, title="Ship the scheduler", owner_person=company.alice
    )
