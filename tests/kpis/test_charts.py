"""The geometry of a KPI's trend chart and sparkline: examples and properties, no database."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stretch.kpis import charts
from stretch.kpis.health import Band

UPTIME = Band("above", green=99.5, red=99.0)  # green at or above 99.5, red below 99
ERRORS = Band("below", green=1, red=3)  # green at or below 1, red above 3
LATENCY = Band("within", red_low=100, green_low=150, green_high=250, red_high=300)
TODAY = date(2026, 10, 1)


def weekly(*values: float, start: date = date(2026, 9, 7)) -> list[tuple[date, float]]:
    return [(start + timedelta(weeks=i), value) for i, value in enumerate(values)]


def inside(c, x: float, y: float) -> bool:
    return c.left <= x <= c.right and c.top <= y <= c.bottom


def zone_of(c, y: float) -> str:
    """The colour of the zone a y coordinate falls in (the upper one on a boundary)."""
    return next(z.health for z in c.zones if z.y <= y <= z.y + z.height)


# Examples -----------------------------------------------------------------------------------


def test_an_above_band_shades_red_at_the_bottom_yellow_between_and_green_on_top():
    c = charts.build(UPTIME, weekly(99.7, 99.2, 98.5), today=TODAY)
    assert [z.health for z in c.zones] == ["green", "yellow", "red"]  # top to bottom
    assert c.zones[0].y == c.top
    assert c.zones[-1].y + c.zones[-1].height == c.bottom
    for above, below in zip(c.zones, c.zones[1:], strict=False):
        assert above.y + above.height == below.y  # no gap, no overlap
    assert {limit.name: limit.value for limit in c.limits} == {"green": 99.5, "red": 99.0}


def test_a_below_band_is_green_at_the_bottom():
    c = charts.build(ERRORS, weekly(0.5, 2, 4), today=TODAY)
    assert [z.health for z in c.zones] == ["red", "yellow", "green"]


def test_a_within_band_has_five_zones_with_green_in_the_middle():
    c = charts.build(LATENCY, weekly(200, 120, 320), today=TODAY)
    assert [z.health for z in c.zones] == ["red", "yellow", "green", "yellow", "red"]
    assert len(c.limits) == 4


def test_there_is_one_dot_per_measurement_in_date_order_in_the_zone_of_its_health():
    readings = list(reversed(weekly(99.7, 99.2, 98.5)))
    c = charts.build(UPTIME, readings, today=TODAY)
    assert len(c.dots) == 3
    assert [dot.value for dot in c.dots] == [99.7, 99.2, 98.5]
    assert [dot.index for dot in c.dots] == [2, 1, 0]  # pointing back at the input
    assert [dot.health for dot in c.dots] == ["green", "yellow", "red"]
    assert [zone_of(c, dot.y) for dot in c.dots] == ["green", "yellow", "red"]
    assert c.dots[0].x == c.left and c.dots[-1].x == c.right
    assert c.path.startswith("M") and c.path.count("L") == 2


def test_one_measurement_sits_in_the_middle_with_the_band_around_it():
    c = charts.build(UPTIME, [(TODAY, 99.2)], today=TODAY)
    (dot,) = c.dots
    assert dot.x == (c.left + c.right) / 2
    assert c.top < dot.y < c.bottom
    assert c.x_ticks  # dates either side still label the axis
    assert len(c.y_ticks) >= 3


def test_all_equal_values_draw_a_flat_line_inside_the_plot():
    c = charts.build(UPTIME, weekly(99.7, 99.7, 99.7, 99.7), today=TODAY)
    assert len({dot.y for dot in c.dots}) == 1
    assert all(inside(c, dot.x, dot.y) for dot in c.dots)
    assert not any(dot.beyond for dot in c.dots)


def test_a_band_whose_limits_meet_still_gets_an_axis_and_no_empty_zone():
    c = charts.build(Band("above", green=10, red=10), weekly(10, 10), today=TODAY)
    assert [z.health for z in c.zones] == ["green", "red"]
    assert c.y_ticks[0].value < 10 < c.y_ticks[-1].value


def test_an_absurd_value_sits_on_the_edge_and_the_band_stays_readable():
    c = charts.build(UPTIME, weekly(99.7, 1e9), today=TODAY)
    assert c.dots[1].y == c.top and c.dots[1].beyond
    yellow = next(z for z in c.zones if z.health == "yellow")
    assert yellow.height > 10


def test_no_measurement_gives_an_empty_chart_around_today():
    c = charts.build(UPTIME, [], today=TODAY)
    assert c.dots == () and c.path == ""
    assert c.zones


def test_a_fortnight_of_measurements_labels_a_few_dates_not_every_day():
    c = charts.build(UPTIME, [(date(2026, 9, 1), 99), (date(2026, 9, 15), 99.6)], today=TODAY)
    assert 2 <= len(c.x_ticks) <= charts.MAX_LABELS
    assert c.x_ticks[0].when == date(2026, 9, 1)
    assert len(c.x_grid) + len(c.x_ticks) == 15  # every day still has its grid line


def test_the_axis_ticks_are_round_numbers_from_bottom_to_top():
    c = charts.build(UPTIME, weekly(99.7, 99.2, 98.5), today=TODAY)
    ys = [tick.y for tick in c.y_ticks]
    assert ys == sorted(ys, reverse=True)
    assert c.y_ticks[0].y == c.bottom and c.y_ticks[-1].y == c.top


def test_the_sparkline_spaces_the_values_evenly_on_the_same_zones():
    s = charts.sparkline(UPTIME, [99.7, 99.2, 98.5])
    assert [z.health for z in s.zones] == ["green", "yellow", "red"]
    xs = [dot.x for dot in s.dots]
    assert xs[1] - xs[0] == xs[2] - xs[1]
    assert s.last is not None and s.last.health == "red"
    assert s.path.count("L") == 2


def test_a_sparkline_of_one_value_sits_in_the_middle_and_of_none_is_empty():
    one = charts.sparkline(LATENCY, [200])
    assert one.dots[0].x == one.width / 2
    assert charts.sparkline(LATENCY, []).last is None


# Properties ---------------------------------------------------------------------------------

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@st.composite
def bands(draw):
    kind = draw(st.sampled_from(["above", "below", "within"]))
    if kind == "within":
        limits = sorted(draw(st.lists(finite, min_size=4, max_size=4)))
        return Band(
            kind, red_low=limits[0], green_low=limits[1], green_high=limits[2], red_high=limits[3]
        )
    low, high = sorted(draw(st.lists(finite, min_size=2, max_size=2)))
    return Band(kind, green=high, red=low) if kind == "above" else Band(kind, green=low, red=high)


@given(bands(), st.lists(finite, max_size=30))
def test_everything_drawn_stays_inside_the_plot(band, values):
    c = charts.build(band, weekly(*values), today=TODAY)
    assert len(c.dots) == len(values)
    assert all(inside(c, dot.x, dot.y) for dot in c.dots)
    assert all(c.top <= z.y and z.y + z.height <= c.bottom + 0.01 for z in c.zones)
    assert all(c.top <= tick.y <= c.bottom for tick in c.y_ticks)
    s = charts.sparkline(band, values[-12:])
    assert all(0 <= dot.x <= s.width and 0 <= dot.y <= s.height for dot in s.dots)
