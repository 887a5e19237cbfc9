"""The analytics charts as geometry: pure functions, no I/O, no Django.

Like `stretch.okrs.charts`, each function turns numbers into coordinates in an SVG viewBox;
the templates only draw what they get. Every shape lies inside its plot area whatever the
data (no bar taller than the axis, no point off the chart).

- `histogram`: vertical bars with their count above and their label below, on a y axis
  of counts rounded up to a nice step.
- `horizontal_bars`: one bar per row (a share 0-1), the row's label on the left and the
  share on the right, as check-in compliance by team.
- `line`: a value per week (None where there is none) on a fixed y range, as the mean
  confidence 1-10.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from stretch.okrs.progress import clamp

MAX_LABEL = 36  # characters of a row label drawn in full; longer ones end with "…"


def _r(number: float) -> float:
    return round(number, 2)


def nice_ceiling(highest: float) -> tuple[float, float]:
    """An axis top at or above `highest` and its step (1, 2 or 5 times a power of ten),
    giving at most about five intervals; (1, 1) for an empty axis."""
    if not (math.isfinite(highest) and highest > 0):
        return 1.0, 1.0
    raw = highest / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(highest / step), float(step)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    colour: str  # a CSS class: "" or green / yellow / red

    @property
    def middle(self) -> float:
        return _r(self.x + self.width / 2)

    @property
    def count_y(self) -> float:
        return _r(self.y - 5)


@dataclass(frozen=True)
class Tick:
    y: float
    value: float


@dataclass(frozen=True)
class _Plot:
    """A chart with a y axis of ticks on the left and labels below its plot area."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float

    @property
    def label_y(self) -> float:
        return self.bottom + 16

    @property
    def tick_x(self) -> float:
        return self.left - 6


@dataclass(frozen=True)
class BarChart(_Plot):
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    total: int


def histogram(
    bins: Sequence[tuple[str, int, str]], *, width: int = 640, height: int = 200
) -> BarChart:
    """Bars of (label, count, colour class) side by side, a gap between them."""
    left, right, top, bottom = 34.0, width - 6.0, 18.0, height - 26.0
    highest, step = nice_ceiling(max((count for _l, count, _c in bins), default=0))
    slot = (right - left) / max(len(bins), 1)
    gap = min(6.0, slot * 0.2)
    bars = []
    for i, (label, count, colour) in enumerate(bins):
        share = clamp(count / highest)
        bar_height = _r(share * (bottom - top))
        bars.append(
            Bar(
                x=_r(left + i * slot + gap / 2),
                y=_r(bottom - bar_height),
                width=_r(slot - gap),
                height=bar_height,
                label=label,
                count=count,
                colour=colour,
            )
        )
    ticks = tuple(
        Tick(_r(bottom - (value / highest) * (bottom - top)), value)
        for value in _steps(highest, step)
    )
    return BarChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=tuple(bars),
        ticks=ticks,
        total=sum(count for _l, count, _c in bins),
    )


def _steps(highest: float, step: float) -> list[float]:
    count = min(20, round(highest / step))
    return [round(step * i, 6) for i in range(count + 1)]


@dataclass(frozen=True)
class Row:
    y: float  # top of the bar
    text_y: float  # the baseline of its label, mid bar
    bar_width: float
    label: str  # shortened to MAX_LABEL characters
    full_label: str
    share: float | None  # None: nothing to measure


@dataclass(frozen=True)
class RowChart:
    width: int
    height: int
    left: float  # where bars start
    right: float  # where a full bar ends
    top: float
    bar_height: float
    rows: tuple[Row, ...]
    grid: tuple[tuple[float, float], ...]  # (x, share) of the 0, 25, 50, 75, 100 % lines

    @property
    def track_width(self) -> float:
        return _r(self.right - self.left)

    @property
    def label_x(self) -> float:
        return self.left - 8

    @property
    def value_x(self) -> float:
        return self.right + 6

    @property
    def bottom(self) -> float:
        return self.height - 20.0

    @property
    def grid_label_y(self) -> float:
        return self.height - 6.0


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def horizontal_bars(
    rows: Sequence[tuple[str, float | None]], *, width: int = 640, row_height: float = 28.0
) -> RowChart:
    """One bar per (label, share 0-1 or None) row, top to bottom."""
    left, right, top = 270.0, width - 56.0, 6.0
    bar_height = row_height * 0.64
    drawn = []
    for i, (label, share) in enumerate(rows):
        y = top + i * row_height
        value = None if share is None else clamp(share)
        drawn.append(
            Row(
                y=_r(y + (row_height - bar_height) / 2),
                text_y=_r(y + row_height / 2),
                bar_width=_r((value or 0.0) * (right - left)),
                label=_short(label),
                full_label=label,
                share=value,
            )
        )
    height = math.ceil(top + len(rows) * row_height + 24)
    grid = tuple((_r(left + s * (right - left)), s) for s in (0, 0.25, 0.5, 0.75, 1))
    return RowChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bar_height=_r(bar_height),
        rows=tuple(drawn),
        grid=grid,
    )


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    when: date
    value: float


@dataclass(frozen=True)
class XLabel:
    x: float
    when: date


@dataclass(frozen=True)
class LineChart(_Plot):
    points: tuple[Point, ...]
    ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    x_grid: tuple[float, ...]

    @property
    def path(self) -> str:
        return " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:g} {p.y:g}" for i, p in enumerate(self.points)
        )


def line(
    series: Sequence[tuple[date, float | None]],
    *,
    low: float = 0.0,
    high: float = 10.0,
    step: float = 2.0,
    width: int = 640,
    height: int = 220,
    max_labels: int = 8,
) -> LineChart:
    """A line through the (day, value) points that have a value, evenly spaced by position
    in `series`; values outside [low, high] sit on the edge."""
    left, right, top, bottom = 34.0, width - 14.0, 14.0, height - 26.0
    span = max(len(series) - 1, 1)

    def x_of(i: int) -> float:
        return _r(left + (i / span if len(series) > 1 else 0.5) * (right - left))

    def y_of(value: float) -> float:
        share = (value - low) / (high - low) if high > low else 0.0
        return _r(bottom - clamp(share) * (bottom - top))

    points = tuple(
        Point(x_of(i), y_of(value), when, value)
        for i, (when, value) in enumerate(series)
        if value is not None and math.isfinite(value)
    )
    every = max(1, math.ceil(len(series) / max_labels))
    x_labels = tuple(XLabel(x_of(i), when) for i, (when, _v) in enumerate(series) if i % every == 0)
    ticks = tuple(Tick(y_of(low + v), low + v) for v in _steps(high - low, step))
    return LineChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        points=points,
        ticks=ticks,
        x_labels=x_labels,
        x_grid=tuple(x_of(i) for i in range(len(series))),
    )
