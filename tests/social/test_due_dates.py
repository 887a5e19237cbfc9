"""The due-date arithmetic of the check-in rhythm (pure functions in stretch/okrs/rhythm.py)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stretch.okrs.rhythm import checked_in_for, next_due_date, previous_due_date

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
# 2026-12-01 is a Tuesday.


@pytest.mark.parametrize(
    ("cadence", "weekday", "on", "due"),
    [
        ("weekly", FRI, date(2026, 12, 1), date(2026, 12, 4)),
        ("weekly", FRI, date(2026, 12, 4), date(2026, 12, 4)),  # the due day itself
        ("weekly", FRI, date(2026, 12, 5), date(2026, 12, 11)),
        ("weekly", TUE, date(2026, 12, 1), date(2026, 12, 1)),
        ("weekly", MON, date(2026, 12, 29), date(2027, 1, 4)),  # across the year
        ("biweekly", FRI, date(2026, 12, 1), date(2026, 12, 4)),
        ("biweekly", FRI, date(2026, 12, 5), date(2026, 12, 18)),  # every other Friday
        ("biweekly", TUE, date(2026, 12, 1), date(2026, 12, 1)),
        ("biweekly", TUE, date(2026, 12, 2), date(2026, 12, 15)),
        ("monthly", FRI, date(2026, 12, 1), date(2026, 12, 25)),  # the last Friday
        ("monthly", FRI, date(2026, 12, 26), date(2027, 1, 29)),
        ("monthly", TUE, date(2026, 12, 1), date(2026, 12, 29)),
        ("monthly", SUN, date(2027, 2, 1), date(2027, 2, 28)),  # February
        ("monthly", MON, date(2028, 2, 29), date(2028, 3, 27)),  # leap day, past the last Monday
    ],
)
def test_next_due_date(cadence, weekday, on, due):
    assert next_due_date(cadence, weekday, on) == due


@pytest.mark.parametrize(
    ("cadence", "weekday", "before", "previous"),
    [
        ("weekly", FRI, date(2026, 12, 4), date(2026, 11, 27)),
        ("weekly", FRI, date(2026, 12, 5), date(2026, 12, 4)),
        ("biweekly", FRI, date(2026, 12, 4), date(2026, 11, 20)),
        ("biweekly", FRI, date(2026, 12, 18), date(2026, 12, 4)),
        ("monthly", FRI, date(2026, 12, 25), date(2026, 11, 27)),
        ("monthly", FRI, date(2027, 1, 5), date(2026, 12, 25)),
    ],
)
def test_previous_due_date(cadence, weekday, before, previous):
    assert previous_due_date(cadence, weekday, before) == previous


def test_a_check_in_counts_for_the_next_due_day_once_the_one_before_has_passed():
    friday = date(2026, 12, 4)
    assert checked_in_for("weekly", FRI, date(2026, 12, 4), friday)  # on the day
    assert checked_in_for("weekly", FRI, date(2026, 11, 28), friday)  # the day after the last
    assert not checked_in_for("weekly", FRI, date(2026, 11, 27), friday)  # for the last one
    assert not checked_in_for("weekly", FRI, None, friday)
    assert checked_in_for("biweekly", FRI, date(2026, 11, 23), friday)  # after the 20th


cadences = st.sampled_from(["weekly", "biweekly", "monthly"])
weekdays = st.integers(min_value=0, max_value=6)
days = st.dates(min_value=date(2001, 1, 1), max_value=date(2100, 12, 31))
STEP = {"weekly": (7, 7), "biweekly": (14, 14), "monthly": (28, 35)}


@given(cadences, weekdays, days)
def test_the_next_due_date_falls_on_the_weekday_not_before_the_day(cadence, weekday, on):
    due = next_due_date(cadence, weekday, on)
    assert due.weekday() == weekday
    assert on <= due
    assert (due - on).days < STEP[cadence][1]


@given(cadences, weekdays, days)
def test_due_days_are_stable_and_spaced_by_the_cadence(cadence, weekday, on):
    due = next_due_date(cadence, weekday, on)
    # Every day from `on` up to the due day has the same next due day.
    assert next_due_date(cadence, weekday, due) == due
    following = next_due_date(cadence, weekday, due + timedelta(days=1))
    low, high = STEP[cadence]
    assert low <= (following - due).days <= high
    assert previous_due_date(cadence, weekday, following) == due
    if cadence == "monthly":
        assert due.month != (due + timedelta(days=7)).month  # the last such weekday


@given(cadences, weekdays, days, st.integers(min_value=0, max_value=40))
def test_any_check_in_of_the_period_counts_and_one_before_it_does_not(cadence, weekday, on, k):
    due = next_due_date(cadence, weekday, on)
    previous = previous_due_date(cadence, weekday, due)
    period = (due - previous).days
    inside = previous + timedelta(days=1 + k % period)  # some day in (previous, due]
    assert checked_in_for(cadence, weekday, inside, due)
    assert not checked_in_for(cadence, weekday, previous - timedelta(days=k), due)
