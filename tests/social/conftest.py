"""A quarter on a clock the tests control: Q4 2026 (1 October to 31 December), active.

Platform (alice and bob) checks in weekly on Fridays, the default; 6 November 2026 is a
Friday. Records are created on 1 October unless a test moves the clock first.
"""

from datetime import UTC, date, datetime

import pytest
import time_machine

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle


def moment(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(moment(date(2026, 10, 1)), tick=False) as traveller:
        yield traveller


@pytest.fixture
def q4(company, clock):
    for person, address in [
        (company.alice, "alice@example.com"),
        (company.bob, "bob@example.com"),
        (company.dave, "dave@example.com"),
    ]:
        person.email = address
        person.save(update_fields=["email"])
    # The fixture's own cycles are dated from the real today; keep them out of the rhythm.
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
def kr(company, q4):
    """Alice's key result "Jobs migrated" (0 to 200) on her objective "Ship the scheduler"."""
    objective = okrs.create_objective(
        company.alice, cycle=q4, title="Ship the scheduler", owner_person=company.alice
    )
    return okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200
    )


def check_in(actor, key_result, value, day: date, **fields):
    return okrs.check_in(actor, key_result, value=value, at=moment(day, 10), **fields)
