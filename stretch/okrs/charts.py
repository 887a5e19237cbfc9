"""The progress chart of a key result, as geometry: pure functions, no I/O, no Django.

`build` turns a cycle, a key result's shape and its check-ins into coordinates in an SVG
viewBox of WIDTH x HEIGHT units; the template only draws what it gets. Every coordinate
lies inside the plot area whatever the data: check-ins before the cycle sit on its left
edge, those after it on its right edge, values beyond the axis on its top or bottom edge
(and are marked `beyond`, so the page can say so).

What the axes show:

- x: the cycle, from its first day (left) to its last day (right), as in
  `progress.expected_progress`.
- y, for a metric moving toward a target and for a milestone: progress 0-100 %, as
  computed by `progress.key_result_progress`, so the expected pace is the diagonal from
  the bottom-left to the top-right corner and the line reads against the same scale as
  the progress bar above it. Start and target values are named in the caption.
- y, for a range: the values themselves, around the shaded band to stay within; a range
  is met or not (progress 0 or 1), so its progress over time would say little.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from stretch.okrs import progress

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 62.0, 700.0, 30.0, 276.0  # the plot area inside the viewBox

PROGRESS, VALUE = "progress", "value"  # what the y axis shows
DAY, MONTH, MONTH_YEAR = "day", "month", "month_year"  # how an x tick is labelled

# A range chart shows at most this many band widths above and below the band, so one
# absurd value cannot squash the band into a line; farther values sit on the edge.
RANGE_REACH = 4.0
MAX_LABELLED_TICKS = 7  # more than this, and every other label is minor (hidden on phones)

When = date | datetime


@dataclass(frozen=True)
class Shape:
    """What a key result measures: the parts of it that decide where a value is drawn."""

    kind: str  # progress.METRIC or progress.MILESTONE
    direction: str = progress.INCREASE
    start: float = 0.0
    target: float = 1.0
    range_low: float | None = None
    range_high: float | None = None
    steps: Sequence[tuple[int, float]] = ()  # a milestone's steps: (id, weight)

    @property
    def is_range(self) -> bool:
        return (
            self.kind == progress.METRIC
            and self.direction == progress.RANGE
            and self.range_low is not None
            and self.range_high is not None
        )


class Reading(NamedTuple):
    """One check-in: when, the value reported and, for a stepped milestone, the steps done."""

    when: When
    value: float
    done_steps: Sequence[int] = ()


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class XTick:
    x: float
    when: date
    label: str  # DAY, MONTH or MONTH_YEAR: the template formats the date accordingly
    major: bool  # minor labels are left out where space is short


@dataclass(frozen=True)
class YTick:
    y: float
    value: float  # a share (0-1) on a progress axis, a value on a value axis


@dataclass(frozen=True)
class Dot:
    """A check-in on the chart; `index` is its position in the check-ins given to `build`."""

    x: float
    y: float
    index: int
    value: float
    progress: float
    beyond: bool  # the value lies beyond the axis and is drawn on its edge


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    scale: str  # PROGRESS or VALUE
    value_decimals: int  # decimals of the y tick labels on a value axis
    x_ticks: tuple[XTick, ...]
    x_grid: tuple[float, ...]  # unlabelled vertical lines (weeks or months)
    y_ticks: tuple[YTick, ...]
    dots: tuple[Dot, ...]  # in time order
    line: tuple[tuple[float, float], ...]  # vertices of the actual line, start first
    hold: Segment | None  # the latest value, held from the last check-in until today
    expected: Segment | None  # the pace line; None for a range
    band: Rect | None  # a range's band to stay within
    today_x: float | None  # None when today lies outside the cycle

    # Where the labels go: y tick labels left of the plot, x tick labels below it, the
    # "today" label above it.
    @property
    def y_label_x(self) -> float:
        return self.left - 8

    @property
    def x_label_y(self) -> float:
        return self.bottom + 10  # the labels hang below this line, whatever their size

    @property
    def today_top(self) -> float:
        return self.top - 6

    @property
    def today_label_y(self) -> float:
        return self.top - 10

    @property
    def start(self) -> tuple[float, float] | None:
        """Where the actual line starts: the start value on the cycle's first day."""
        return self.line[0] if self.scale == PROGRESS and self.line else None

    @property
    def today_anchor(self) -> str:
        """How to anchor the "today" label so it stays inside the viewBox."""
        if self.today_x is None or self.left + 40 <= self.today_x <= self.right - 40:
            return "middle"
        return "start" if self.today_x < self.left + 40 else "end"

    @property
    def path(self) -> str:
        """The actual line as SVG path data."""
        return " ".join(
            f"{'M' if i == 0 else 'L'}{_fmt(x)} {_fmt(y)}" for i, (x, y) in enumerate(self.line)
        )


def _fmt(number: float) -> str:
    return f"{number:g}"


def _round(number: float) -> float:
    return round(number, 2)


def elapsed(start: date, end: date, when: When) -> float:
    """How far into the cycle `when` falls: 0 at the start of its first day, 1 on its last.

    Unclamped. A datetime counts by its own wall-clock time: pass local times.
    """
    days = max((end - start).days, 1)
    if isinstance(when, datetime):
        seconds = when.hour * 3600 + when.minute * 60 + when.second + when.microsecond / 1e6
        offset = (when.date() - start).days + seconds / 86400
    else:
        offset = (when - start).days
    return offset / days


def _x(share: float) -> float:
    return _round(LEFT + progress.clamp(share) * (RIGHT - LEFT))


class _Axis:
    """Maps a y value to a coordinate, clamped to the plot area."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def share(self, value: float) -> float:
        span = self.high - self.low
        if not math.isfinite(value) or not span > 0:
            return 0.0 if not value > self.low else 1.0
        return (value - self.low) / span

    def y(self, value: float) -> float:
        return _round(BOTTOM - progress.clamp(self.share(value)) * (BOTTOM - TOP))

    def beyond(self, value: float) -> bool:
        return not self.low <= value <= self.high


def _nice_step(span: float) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about four intervals."""
    raw = span / 4
    if not (math.isfinite(raw) and raw > 0):
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude


def _decimals(step: float) -> int:
    decimals = max(0, -math.floor(math.log10(step)))
    return decimals + 1 if round(step / 10**-decimals, 6) % 1 else decimals


VALUE_LIMIT = 1e300


def _bounded(value: float) -> float:
    return min(VALUE_LIMIT, max(-VALUE_LIMIT, value))


def _value_axis(low: float, high: float, values: Iterable[float]) -> tuple[_Axis, float, int]:
    """A value axis around the band [low, high] and the values near it: axis, step, decimals."""
    # Keep the arithmetic below finite for any finite input (a band of ±1e308 would overflow).
    low, high = _bounded(low), _bounded(high)
    values = [_bounded(v) for v in values if math.isfinite(v)]
    width = high - low
    if not width > 0:  # a single value to hold: show some room around it
        width = max(abs(high) * 0.1, 1.0)
    width = max(width, (abs(low) + abs(high)) * 1e-9, 1e-9)  # finer is beyond a float's grain
    floor, ceiling = low - RANGE_REACH * width, high + RANGE_REACH * width
    finite = [v for v in values if math.isfinite(v)]
    lowest = max(floor, min([low, *finite]))
    highest = min(ceiling, max([high, *finite]))
    padding = (highest - lowest) * 0.1 or width
    lowest, highest = lowest - padding, highest + padding
    step = _nice_step(highest - lowest)
    lowest = math.floor(lowest / step) * step
    highest = math.ceil(highest / step) * step
    if not highest > lowest:  # floats too coarse at this magnitude
        highest = lowest + step
    return _Axis(lowest, highest), step, _decimals(step)


def _value_ticks(axis: _Axis, step: float, decimals: int) -> tuple[YTick, ...]:
    count = min(12, max(1, round((axis.high - axis.low) / step)))
    values = [round(axis.low + step * i, decimals) for i in range(count + 1)]
    return tuple(YTick(y=axis.y(v), value=v) for v in values)


def _progress_ticks() -> tuple[YTick, ...]:
    axis = _Axis(0.0, 1.0)
    return tuple(YTick(y=axis.y(share), value=share) for share in (0, 0.25, 0.5, 0.75, 1))


def _months(start: date, end: date, every: int) -> list[date]:
    """The first days of months within [start, end], every `every` months from January."""
    found: list[date] = []
    year, month = start.year, start.month
    while True:
        first = date(year, month, 1)
        if first > end:
            return found
        if first >= start and (month - 1) % every == 0:
            found.append(first)
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if year > 9998:
            return found


def _mondays(start: date, end: date) -> list[date]:
    day = start + timedelta(days=(7 - start.weekday()) % 7)
    found: list[date] = []
    while day <= end:
        found.append(day)
        day += timedelta(days=7)
    return found


def _x_ticks(start: date, end: date) -> tuple[tuple[XTick, ...], tuple[float, ...]]:
    """Labelled ticks and grid lines that suit the cycle's length."""
    days = (end - start).days
    grid: list[date] = []
    if days <= 14:
        labelled, label = [start + timedelta(days=i) for i in range(days + 1)], DAY
    elif days <= 62:
        labelled, label = _mondays(start, end), DAY
    elif days <= 400:
        labelled, label = _months(start, end, 1), MONTH
        grid = _mondays(start, end) if days <= 130 else []
    else:
        labelled, label = _months(start, end, 3), MONTH_YEAR
        grid = _months(start, end, 1)
    thin = len(labelled) > MAX_LABELLED_TICKS
    ticks = tuple(
        XTick(x=_x(elapsed(start, end, day)), when=day, label=label, major=not thin or i % 2 == 0)
        for i, day in enumerate(labelled)
    )
    return ticks, tuple(_x(elapsed(start, end, day)) for day in grid)


def _progress_of(shape: Shape, reading: Reading) -> float:
    steps = [
        progress.Step(weight, step_id in reading.done_steps) for step_id, weight in shape.steps
    ]
    return progress.key_result_progress(
        kind=shape.kind,
        direction=shape.direction,
        start=shape.start,
        target=shape.target,
        current=reading.value,
        range_low=shape.range_low,
        range_high=shape.range_high,
        steps=steps,
    )


def _beyond_target(shape: Shape, value: float) -> bool:
    """A metric past its target, or moved back past its start, drawn at 100 % or 0 %."""
    if shape.kind != progress.METRIC or shape.is_range:
        return False
    return not 0 <= progress.attainment(shape.start, shape.target, value) <= 1


def build(
    *,
    cycle_start: date,
    cycle_end: date,
    today: When,
    shape: Shape,
    check_ins: Iterable[Reading | tuple[When, float]],
) -> Chart:
    """The chart of a key result over its cycle, with the check-ins in any order."""
    readings = [Reading(*reading) for reading in check_ins]
    order = sorted(range(len(readings)), key=lambda i: _sort_key(readings[i].when))
    is_range = shape.is_range
    if is_range:
        assert shape.range_low is not None and shape.range_high is not None
        axis, step, decimals = _value_axis(
            shape.range_low, shape.range_high, (r.value for r in readings)
        )
        y_ticks = _value_ticks(axis, step, decimals)
        high_y = axis.y(shape.range_high)
        band: Rect | None = Rect(LEFT, high_y, RIGHT - LEFT, axis.y(shape.range_low) - high_y)
    else:
        axis, decimals, y_ticks, band = _Axis(0.0, 1.0), 0, _progress_ticks(), None

    dots = []
    for i in order:
        reading = readings[i]
        share = _progress_of(shape, reading)
        dots.append(
            Dot(
                x=_x(elapsed(cycle_start, cycle_end, reading.when)),
                y=axis.y(reading.value if is_range else share),
                index=i,
                value=reading.value,
                progress=share,
                beyond=axis.beyond(reading.value)
                if is_range
                else _beyond_target(shape, reading.value),
            )
        )

    line: list[tuple[float, float]] = []
    if not is_range:  # a range has no meaningful start value: its line begins with a check-in
        line.append((LEFT, axis.y(_progress_of(shape, Reading(cycle_start, shape.start)))))
    for dot in dots:
        if shape.kind == progress.MILESTONE and line:
            line.append((dot.x, line[-1][1]))  # a milestone holds its state until it changes
        line.append((dot.x, dot.y))

    now = elapsed(cycle_start, cycle_end, today)
    today_x = _x(now) if 0 <= now <= 1 else None
    hold = None
    if line and now >= 0:
        held_to = _x(now)
        last_x, last_y = line[-1]
        if held_to > last_x:
            hold = Segment(last_x, last_y, held_to, last_y)

    x_ticks, x_grid = _x_ticks(cycle_start, cycle_end)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        top=TOP,
        right=RIGHT,
        bottom=BOTTOM,
        scale=VALUE if is_range else PROGRESS,
        value_decimals=decimals,
        x_ticks=x_ticks,
        x_grid=x_grid,
        y_ticks=y_ticks,
        dots=tuple(dots),
        line=tuple(line),
        hold=hold,
        expected=None if is_range else Segment(LEFT, BOTTOM, RIGHT, TOP),
        band=band,
        today_x=today_x,
    )


def _sort_key(when: When) -> tuple[date, float]:
    """Dates and datetimes in one order: a bare date counts as the start of its day."""
    if isinstance(when, datetime):
        return (
            when.date(),
            when.hour * 3600 + when.minute * 60 + when.second + when.microsecond / 1e6,
        )
    return when, 0.0
