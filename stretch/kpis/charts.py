"""A KPI's trend against its band, as geometry: pure functions, no I/O, no Django.

Like `stretch.okrs.charts` (whose value axis, date ticks and viewBox it shares, so the KPI
page's chart reads like the key result page's), each function turns numbers into
coordinates; the templates only draw what they get. Everything lies inside the plot area
whatever the data: values far outside the band sit on the top or bottom edge and are
marked `beyond`.

- `build`: the KPI page's chart. x is time, from the first measurement shown to the last
  (one measurement sits in the middle of a fortnight); y is the value, on an axis around
  the band's limits and the values near them. The band's zones are shaded: green where the
  KPI is healthy, yellow between the limits, red past the red limit.
- `sparkline`: the boards' small trend, the last values evenly spaced, on the same zones.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from stretch.kpis import health as rule
from stretch.okrs import charts as okr_charts
from stretch.okrs.charts import XTick

# The big chart uses the key result chart's viewBox and plot area (and its phone styles).
WIDTH, HEIGHT = okr_charts.WIDTH, okr_charts.HEIGHT
LEFT, RIGHT, TOP, BOTTOM = okr_charts.LEFT, okr_charts.RIGHT, okr_charts.TOP, okr_charts.BOTTOM
SPARK_WIDTH, SPARK_HEIGHT = 120, 32
SPARK_PAD = 3.0  # room for the newest value's dot at the edges
LONE_SPAN = timedelta(days=7)  # either side of a single measurement's date
MAX_LABELS = 6  # dates labelled under the chart: legible on a phone too


@dataclass(frozen=True)
class Frame:
    """A plot area: a share of the axis (0 at the bottom, 1 at the top) to a y coordinate."""

    left: float
    top: float
    right: float
    bottom: float

    def y(self, share: float) -> float:
        clamped = min(1.0, max(0.0, share))
        return round(self.bottom - clamped * (self.bottom - self.top), 2)

    def x(self, share: float) -> float:
        clamped = min(1.0, max(0.0, share))
        return round(self.left + clamped * (self.right - self.left), 2)


BIG = Frame(LEFT, TOP, RIGHT, BOTTOM)
SPARK = Frame(SPARK_PAD, SPARK_PAD, SPARK_WIDTH - SPARK_PAD, SPARK_HEIGHT - SPARK_PAD)


@dataclass(frozen=True)
class Zone:
    """A shaded stretch of the y axis: where a value is green, yellow or red."""

    health: str
    y: float
    height: float


@dataclass(frozen=True)
class Limit:
    """A limit of the band, drawn as a line across the plot."""

    name: str  # green, red, green_low, green_high, red_low, red_high
    value: float
    y: float


@dataclass(frozen=True)
class YTick:
    y: float
    value: float


@dataclass(frozen=True)
class Dot:
    """A measurement on the chart; `index` is its position in the readings given."""

    x: float
    y: float
    index: int
    value: float
    health: str  # by the band as it is now, as the zones are
    beyond: bool  # the value lies beyond the axis and is drawn on its edge


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    value_decimals: int
    x_ticks: tuple[XTick, ...]
    x_grid: tuple[float, ...]
    y_ticks: tuple[YTick, ...]
    zones: tuple[Zone, ...]
    limits: tuple[Limit, ...]
    dots: tuple[Dot, ...]  # in time order

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def y_label_x(self) -> float:
        return self.left - 8

    @property
    def x_label_y(self) -> float:
        return self.bottom + 10

    @property
    def path(self) -> str:
        return _path((dot.x, dot.y) for dot in self.dots)


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    zones: tuple[Zone, ...]
    dots: tuple[Dot, ...]

    @property
    def path(self) -> str:
        return _path((dot.x, dot.y) for dot in self.dots)

    @property
    def last(self) -> Dot | None:
        return self.dots[-1] if self.dots else None


def _path(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:g} {y:g}" for i, (x, y) in enumerate(points))


def _span(band: rule.Band) -> tuple[float, float]:
    """The stretch of values where the band changes colour: the axis is built around it."""
    if band.kind == rule.WITHIN:
        limits = [band.red_low, band.green_low, band.green_high, band.red_high]
    else:
        limits = [band.green, band.red]
    known = [float(v) for v in limits if v is not None and math.isfinite(v)]
    return (min(known), max(known)) if known else (0.0, 1.0)


def _zones_between(band: rule.Band) -> list[tuple[str, float, float]]:
    """(health, low, high) stretches of values, bottom to top, infinite at the ends."""
    low, high = -math.inf, math.inf
    if band.kind == rule.ABOVE:
        assert band.green is not None and band.red is not None
        return [
            (rule.RED, low, band.red),
            (rule.YELLOW, band.red, band.green),
            (rule.GREEN, band.green, high),
        ]
    if band.kind == rule.BELOW:
        assert band.green is not None and band.red is not None
        return [
            (rule.GREEN, low, band.green),
            (rule.YELLOW, band.green, band.red),
            (rule.RED, band.red, high),
        ]
    assert None not in (band.red_low, band.green_low, band.green_high, band.red_high)
    return [
        (rule.RED, low, band.red_low),  # type: ignore[list-item]
        (rule.YELLOW, band.red_low, band.green_low),  # type: ignore[list-item]
        (rule.GREEN, band.green_low, band.green_high),  # type: ignore[list-item]
        (rule.YELLOW, band.green_high, band.red_high),  # type: ignore[list-item]
        (rule.RED, band.red_high, high),  # type: ignore[list-item]
    ]


def _zones(band: rule.Band, axis, frame: Frame) -> tuple[Zone, ...]:
    """The zones that show on the axis, top to bottom."""
    zones = []
    for colour, low, high in reversed(_zones_between(band)):
        top, bottom = frame.y(axis.share(high)), frame.y(axis.share(low))
        if bottom - top > 0:
            zones.append(Zone(colour, top, round(bottom - top, 2)))
    return tuple(zones)


def _limits(band: rule.Band, axis, frame: Frame) -> tuple[Limit, ...]:
    names = (
        ("red_low", "green_low", "green_high", "red_high")
        if band.kind == rule.WITHIN
        else ("green", "red")
    )
    found = []
    for name in names:
        value = getattr(band, name)
        if value is not None and not axis.beyond(value):
            found.append(Limit(name, value, frame.y(axis.share(value))))
    return tuple(found)


def _health(band: rule.Band, value: float) -> str:
    return rule.health(band, value) if not rule.problems(band) else ""


def _thin(
    ticks: tuple[XTick, ...], grid: tuple[float, ...]
) -> tuple[tuple[XTick, ...], tuple[float, ...]]:
    """At most MAX_LABELS labelled ticks, evenly chosen; the others stay as grid lines (a
    fortnight of measurements would otherwise label every day, label on label)."""
    if len(ticks) <= MAX_LABELS:
        return ticks, grid
    every = math.ceil(len(ticks) / MAX_LABELS)
    kept = tuple(replace(tick, major=True) for tick in ticks[::every])
    dropped = tuple(tick.x for i, tick in enumerate(ticks) if i % every)
    return kept, tuple(sorted(grid + dropped))


def build(band: rule.Band, readings: Iterable[tuple[date, float]], *, today: date) -> Chart:
    """The chart of measurements (date, value), in any order, against `band`; with none,
    an empty fortnight around `today`."""
    given = [(when, float(value)) for when, value in readings]
    order = sorted(range(len(given)), key=lambda i: given[i][0])
    low, high = _span(band)
    axis, step, decimals = okr_charts._value_axis(low, high, (value for _d, value in given))
    if given:
        first, last = given[order[0]][0], given[order[-1]][0]
    else:
        first = last = today
    if first == last:
        first, last = first - LONE_SPAN, last + LONE_SPAN
    days = (last - first).days

    dots = tuple(
        Dot(
            x=BIG.x((given[i][0] - first).days / days),
            y=BIG.y(axis.share(given[i][1])),
            index=i,
            value=given[i][1],
            health=_health(band, given[i][1]),
            beyond=axis.beyond(given[i][1]),
        )
        for i in order
    )
    count = min(12, max(1, round((axis.high - axis.low) / step)))
    y_ticks = tuple(
        YTick(BIG.y(axis.share(value)), value)
        for value in (round(axis.low + step * i, decimals) for i in range(count + 1))
    )
    x_ticks, x_grid = _thin(*okr_charts._x_ticks(first, last))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        top=TOP,
        right=RIGHT,
        bottom=BOTTOM,
        value_decimals=decimals,
        x_ticks=x_ticks,
        x_grid=x_grid,
        y_ticks=y_ticks,
        zones=_zones(band, axis, BIG),
        limits=_limits(band, axis, BIG),
        dots=dots,
    )


def sparkline(band: rule.Band, values: Sequence[float]) -> Sparkline:
    """The last values, oldest first, evenly spaced from left to right (one: in the middle)."""
    values = [float(v) for v in values]
    low, high = _span(band)
    axis, _step, _decimals = okr_charts._value_axis(low, high, values)
    count = len(values)
    dots = tuple(
        Dot(
            x=SPARK.x(i / (count - 1) if count > 1 else 0.5),
            y=SPARK.y(axis.share(value)),
            index=i,
            value=value,
            health=_health(band, value),
            beyond=axis.beyond(value),
        )
        for i, value in enumerate(values)
    )
    return Sparkline(SPARK_WIDTH, SPARK_HEIGHT, _zones(band, axis, SPARK), dots)
