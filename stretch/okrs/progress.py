"""The OKR method's arithmetic: pure functions, no I/O, no Django.

Every screen and endpoint shows the numbers computed here, so the rules live in one place:

- metric, increase or decrease: (current - start) / (target - start), clamped to [0, 1];
  the unclamped value is the attainment.
- metric, range: 1 when range_low <= current <= range_high, else 0.
- milestone: 1 when done, else 0; with steps, the weighted share of done steps.
- objective: weight-averaged key result progress; with no key results, the mean of its
  aligned children.
- expected progress: the share of the cycle elapsed on a day, clamped to [0, 1].
- grade: 0.0-1.0 in steps of 0.1, suggested from progress; >= 0.7 green, 0.4-0.6 yellow,
  < 0.4 red.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

INCREASE, DECREASE, RANGE = "increase", "decrease", "range"
METRIC, MILESTONE = "metric", "milestone"
ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def attainment(start: float, target: float, current: float | None) -> float:
    """How far a metric has moved from start toward target; above 1 means beyond target.

    A key result without a check-in has not moved: its attainment is 0.
    """
    if current is None or target == start:
        return 0.0
    return (current - start) / (target - start)


def metric_progress(start: float, target: float, current: float | None) -> float:
    """Progress of an increase or decrease metric; the same formula serves both directions."""
    return clamp(attainment(start, target, current))


def range_progress(low: float, high: float, current: float | None) -> float:
    if current is None:
        return 0.0
    return 1.0 if low <= current <= high else 0.0


@dataclass(frozen=True)
class Step:
    weight: float
    done: bool


def milestone_progress(done: bool, steps: Sequence[Step] = ()) -> float:
    """1 when done; with steps, the weighted share of the steps that are done."""
    if steps:
        total = sum(step.weight for step in steps)
        if total <= 0:
            return 0.0
        return clamp(sum(step.weight for step in steps if step.done) / total)
    return 1.0 if done else 0.0


def key_result_progress(
    *,
    kind: str,
    direction: str,
    start: float,
    target: float,
    current: float | None,
    range_low: float | None = None,
    range_high: float | None = None,
    steps: Sequence[Step] = (),
) -> float:
    if kind == MILESTONE:
        return milestone_progress(current is not None and current >= 1, steps)
    if direction == RANGE:
        if range_low is None or range_high is None:
            return 0.0
        return range_progress(range_low, range_high, current)
    return metric_progress(start, target, current)


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Weight-averaged value of (value, weight) pairs; None when there are none."""
    total_weight = 0.0
    total = 0.0
    for value, weight in pairs:
        total += value * weight
        total_weight += weight
    if total_weight <= 0:
        return None
    return total / total_weight


def objective_progress(
    key_results: Iterable[tuple[float, float]], children: Iterable[float] = ()
) -> float:
    """Weight-averaged progress of (progress, weight) key results.

    An objective without key results takes the plain mean of its aligned children's
    progress; with neither it has made no progress.
    """
    from_key_results = weighted_mean(key_results)
    if from_key_results is not None:
        return clamp(from_key_results)
    child_values = list(children)
    if not child_values:
        return 0.0
    return clamp(sum(child_values) / len(child_values))


def expected_progress(start: date, end: date, today: date) -> float:
    """The share of the cycle elapsed on `today`: 0 on the first day, 1 on the last."""
    if end <= start:
        return 1.0 if today >= end else 0.0
    return clamp((today - start).days / (end - start).days)


# How far behind the expected pace a key result may fall before it is at risk or off track,
# and the confidence (1-10) at or below which its owner signals the same.
AT_RISK_GAP, OFF_TRACK_GAP = 0.15, 0.30
AT_RISK_CONFIDENCE, OFF_TRACK_CONFIDENCE = 6, 3


def health(progress: float, expected: float, confidence: int | None = None) -> str:
    """On track, at risk or off track, from the pace gap and the owner's confidence.

    A finished key result is on track whatever the confidence; otherwise the worse of the
    two signals wins. Without a confidence, only the pace counts.
    """
    if progress >= 1.0:
        return ON_TRACK
    gap = expected - progress
    if gap > OFF_TRACK_GAP or (confidence is not None and confidence <= OFF_TRACK_CONFIDENCE):
        return OFF_TRACK
    if gap > AT_RISK_GAP or (confidence is not None and confidence <= AT_RISK_CONFIDENCE):
        return AT_RISK
    return ON_TRACK


def suggest_grade(progress: float) -> float:
    """The grade suggested at grading: progress rounded half-up to a step of 0.1."""
    tenths = Decimal(str(clamp(progress))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(tenths)


GREEN, YELLOW, RED = "green", "yellow", "red"


def grade_colour(grade: float) -> str:
    """0.7 and above is success (green), 0.4-0.6 is progress short of it, below 0.4 red."""
    tenths = round(grade * 10)
    if tenths >= 7:
        return GREEN
    if tenths >= 4:
        return YELLOW
    return RED


def suggest_key_result_grade(kind: str, progress: float) -> float:
    """The grade suggested for a key result: a milestone 0 or 1 (it happened or not), a
    metric its progress rounded to 0.1."""
    if kind == MILESTONE:
        return 1.0 if progress >= 1.0 else 0.0
    return suggest_grade(progress)


# How many days a check-in rhythm allows between two check-ins.
CADENCE_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 31}


def is_stale(last_check_in: date | None, since: date, today: date, cadence: str) -> bool:
    """Stale: not checked in within the cadence, counted from the last check-in or, with
    none yet, from `since` (the later of the cycle's start and the key result's creation)."""
    reference = max(last_check_in, since) if last_check_in is not None else since
    return (today - reference).days > CADENCE_DAYS.get(cadence, 7)
