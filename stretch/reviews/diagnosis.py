"""The end-of-cycle diagnosis: pure functions of numbers and dates, no I/O, no Django.

A final review closes with a diagnosis drawn from the cycle's own data: the score (the grade,
or the progress while ungraded) and the check-in rhythm (the share of the due check-ins
that were made).

- score >= 0.7 (the method's line for success): "on_track", the objective was achieved;
- a lower score with a good rhythm (>= 70 % of due check-ins made): "strategy": the work was
  done and tracked, so the bet itself was wrong;
- a lower score with a poor rhythm: "execution": the plan was not followed or not tracked;
- no score, or a low score with fewer than two due check-ins to judge the rhythm by:
  "not_enough_data".
"""

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import date

ON_TRACK, STRATEGY, EXECUTION, NOT_ENOUGH_DATA = (
    "on_track",
    "strategy",
    "execution",
    "not_enough_data",
)
CODES = (ON_TRACK, STRATEGY, EXECUTION, NOT_ENOUGH_DATA)

SUCCESS = 0.7  # a score at or above this is success (green in the grading colours)
GOOD_RHYTHM = 0.7  # the share of due check-ins made for the rhythm to count as good
MIN_PERIODS = 2  # fewer due check-ins than this say nothing about a rhythm


def diagnose(score: float | None, checked: int, periods: int) -> str:
    """The diagnosis of a score with `checked` of `periods` due check-ins made."""
    if score is None:
        return NOT_ENOUGH_DATA
    if score >= SUCCESS - 1e-9:
        return ON_TRACK
    if periods < MIN_PERIODS:
        return NOT_ENOUGH_DATA
    if checked / periods >= GOOD_RHYTHM - 1e-9:
        return STRATEGY
    return EXECUTION


def checked_periods(check_in_days: Iterable[date], due_days: Sequence[date], since: date) -> int:
    """How many of the due days (sorted) were met by a check-in.

    The first due day is met by a check-in from `since` up to it; each later one by a
    check-in after the due day before it, up to it (the rule of the reminders). Check-ins
    before `since` or after the last due day count for none.
    """
    if not due_days:
        return 0
    met: set[int] = set()
    for day in check_in_days:
        if day < since or day > due_days[-1]:
            continue
        met.add(bisect_left(due_days, day))
    return len(met)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
