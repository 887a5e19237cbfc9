"""Helpers shared by the review and carry-over tests (no tests here).

A quarter with fixed dates, so check-ins can be made week by week under a controlled clock:
Q1 2026 runs from Monday 5 January to Sunday 29 March 2026, twelve weeks; the Platform
team (alice, bob) checks in weekly on Fridays, so twelve check-ins are due: 9 January …
27 March.
"""

from datetime import UTC, date, datetime, timedelta

import time_machine

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle
from stretch.org.models import Team

Q1_START, Q1_END = date(2026, 1, 5), date(2026, 3, 29)
BEFORE_Q1 = datetime(2026, 1, 2, 10, tzinfo=UTC)
IN_GRADING = datetime(2026, 4, 2, 10, tzinfo=UTC)
WEEKS = 12


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def week_day(week: int) -> datetime:
    """Thursday of week `week` (0-11) of Q1, at noon: just before that week's due Friday."""
    return datetime(2026, 1, 8, 12, tzinfo=UTC) + timedelta(weeks=week)


def make_cycles(admin):
    """Q1 2026 (active), Q2 2026 (planning) and the year 2026 (active)."""
    with at(BEFORE_Q1):
        q1 = okrs.create_cycle(
            admin, name="Q1 2026", start=Q1_START, end=Q1_END, status=Cycle.Status.ACTIVE
        )
        q2 = okrs.create_cycle(
            admin,
            name="Q2 2026",
            start=date(2026, 3, 30),
            end=date(2026, 6, 28),
            status=Cycle.Status.PLANNING,
        )
        year = okrs.create_cycle(
            admin,
            name="2026",
            start=date(2026, 1, 1),
            end=date(2026, 12, 31),
            status=Cycle.Status.ACTIVE,
        )
    return q1, q2, year


def set_phase(cycle: Cycle, status: str) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(status=status)
    cycle.refresh_from_db()
    return cycle


def objective_with_key_results(owner, cycle, *specs, title="Make deploys boring", **fields):
    """An objective created before the cycle starts, with a key result per spec
    (keyword arguments of create_key_result; default: 0 → 100)."""
    team = isinstance(owner, Team)
    owner_field = {"owner_team": owner} if team else {"owner_person": owner}
    actor = fields.pop("actor", owner)
    with at(BEFORE_Q1):
        objective = okrs.create_objective(actor, cycle=cycle, title=title, **owner_field, **fields)
        key_results = [
            okrs.create_key_result(
                actor, objective, **{"title": f"KR {i + 1}", "start": 0, "target": 100, **spec}
            )
            for i, spec in enumerate(specs or [{}])
        ]
    return objective, key_results


def check_in_weeks(user, key_result, weeks, value=None):
    """Check in on `key_result` in each of `weeks` (0-11); the value climbs to `value`."""
    weeks = list(weeks)
    for n, week in enumerate(weeks):
        with at(week_day(week)):
            amount = value if value is not None else 0
            step = amount * (n + 1) / len(weeks) if weeks else amount
            okrs.check_in(user, key_result, value=step, confidence=7)
