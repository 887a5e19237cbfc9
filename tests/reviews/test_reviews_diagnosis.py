"""The diagnosis rule and the rhythm count: pure functions, by table and by property."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stretch.reviews.diagnosis import (
    CODES,
    EXECUTION,
    NOT_ENOUGH_DATA,
    ON_TRACK,
    STRATEGY,
    checked_periods,
    diagnose,
)


@pytest.mark.parametrize(
    ("score", "checked", "periods", "expected"),
    [
        (0.3, 11, 12, STRATEGY),  # the plan was followed; the bet was wrong
        (0.3, 4, 12, EXECUTION),  # the plan was not followed
        (0.69, 9, 12, STRATEGY),  # 75 % of the check-ins: a good rhythm
        (0.6, 8, 12, EXECUTION),  # 67 %: not quite
        (0.0, 12, 12, STRATEGY),
        (0.0, 0, 12, EXECUTION),
        (0.7, 0, 12, ON_TRACK),  # 0.7 is success, however it was tracked
        (1.0, 12, 12, ON_TRACK),
        (0.8, 0, 0, ON_TRACK),
        (0.3, 1, 1, NOT_ENOUGH_DATA),  # one due check-in says nothing about a rhythm
        (0.3, 0, 0, NOT_ENOUGH_DATA),  # no key results at all
        (None, 12, 12, NOT_ENOUGH_DATA),  # nothing to score
        (0.5, 7, 10, STRATEGY),  # exactly 70 % counts as good
    ],
)
def test_the_diagnosis_table(score, checked, periods, expected):
    assert diagnose(score, checked, periods) == expected


scores = st.floats(min_value=0, max_value=1, allow_nan=False)
rhythms = st.integers(min_value=0, max_value=60).flatmap(
    lambda periods: st.tuples(st.integers(min_value=0, max_value=periods), st.just(periods))
)


@given(score=st.none() | scores, rhythm=rhythms)
def test_every_case_gets_one_of_the_four_codes(score, rhythm):
    assert diagnose(score, *rhythm) in CODES


@given(score=st.floats(min_value=0.7, max_value=1), rhythm=rhythms)
def test_a_score_of_at_least_seven_tenths_is_achieved_whatever_the_rhythm(score, rhythm):
    assert diagnose(score, *rhythm) == ON_TRACK


@given(
    score=st.floats(min_value=0, max_value=0.69),
    periods=st.integers(min_value=2, max_value=60),
    data=st.data(),
)
def test_a_low_score_points_to_strategy_exactly_when_the_rhythm_was_good(score, periods, data):
    checked = data.draw(st.integers(min_value=0, max_value=periods))
    verdict = diagnose(score, checked, periods)
    assert verdict == (STRATEGY if checked / periods >= 0.7 else EXECUTION)
    # More check-ins never turn a strategy diagnosis into an execution one.
    if checked < periods:
        assert not (verdict == STRATEGY and diagnose(score, checked + 1, periods) == EXECUTION)


FRIDAYS = [date(2026, 1, 9) + timedelta(weeks=n) for n in range(12)]
SINCE = date(2026, 1, 5)


def test_a_check_in_counts_for_the_next_due_day():
    thursdays = [friday - timedelta(days=1) for friday in FRIDAYS]
    assert checked_periods(thursdays, FRIDAYS, SINCE) == 12
    # A Saturday check-in counts for the Friday after it, not the one before.
    assert checked_periods([date(2026, 1, 10)], FRIDAYS, SINCE) == 1
    assert checked_periods([date(2026, 1, 10), date(2026, 1, 16)], FRIDAYS, SINCE) == 1


def test_several_check_ins_in_one_week_count_once():
    week = [SINCE + timedelta(days=n) for n in range(5)]
    assert checked_periods(week, FRIDAYS, SINCE) == 1


def test_check_ins_outside_the_due_days_count_for_none():
    assert checked_periods([date(2026, 1, 1)], FRIDAYS, SINCE) == 0  # before the cycle
    assert checked_periods([date(2026, 3, 28)], FRIDAYS, SINCE) == 0  # after the last due day
    assert checked_periods([date(2026, 1, 8)], [], SINCE) == 0


@given(st.lists(st.dates(min_value=date(2025, 12, 1), max_value=date(2026, 5, 1))))
def test_the_count_is_between_none_and_every_due_day(days):
    count = checked_periods(days, FRIDAYS, SINCE)
    assert 0 <= count <= min(len(FRIDAYS), len(days))
    # Adding check-ins never lowers the count.
    assert checked_periods([*days, date(2026, 2, 4)], FRIDAYS, SINCE) >= count
