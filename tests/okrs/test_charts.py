"""The geometry of the key result chart: examples and properties, no database."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stretch.okrs import charts
from stretch.okrs import progress as p

Q4 = (date(2026, 10, 1), date(2026, 12, 31))
JOBS = charts.Shape(kind=p.METRIC, direction=p.INCREASE, start=0, target=200)
UPTIME = charts.Shape(kind=p.METRIC, direction=p.RANGE, range_low=99.9, range_high=100)


def chart(shape=JOBS, check_ins=(), today=date(2026, 11, 15), cycle=Q4) -> charts.Chart:
    return charts.build(
        cycle_start=cycle[0], cycle_end=cycle[1], today=today, shape=shape, check_ins=check_ins
    )


def inside(c: charts.Chart, x: float, y: float) -> bool:
    return c.left <= x <= c.right and c.top <= y <= c.bottom


# Examples -----------------------------------------------------------------------------------


def test_the_line_starts_at_the_start_value_on_the_first_day_and_adds_one_point_per_check_in():
    c = chart(check_ins=[(date(2026, 11, 1), 100), (date(2026, 10, 15), 50)])
    assert c.line[0] == (c.left, c.bottom)
    assert len(c.line) == 3
    assert [dot.value for dot in c.dots] == [50, 100]  # in time order
    assert [dot.index for dot in c.dots] == [1, 0]  # pointing back at the input


def test_half_way_to_the_target_is_half_way_up():
    c = chart(check_ins=[(date(2026, 11, 15), 100)])
    assert c.dots[0].y == (c.top + c.bottom) / 2
    assert c.dots[0].progress == 0.5


def test_a_decrease_rises_as_the_value_falls():
    latency = charts.Shape(kind=p.METRIC, direction=p.DECREASE, start=450, target=200)
    c = chart(latency, [(date(2026, 10, 10), 400), (date(2026, 11, 10), 250)])
    assert c.dots[0].y > c.dots[1].y


def test_a_value_past_the_target_sits_on_the_top_edge_and_says_so():
    c = chart(check_ins=[(date(2026, 11, 1), 500), (date(2026, 11, 2), 150)])
    assert c.dots[0].y == c.top and c.dots[0].beyond
    assert not c.dots[1].beyond


def test_the_expected_pace_runs_corner_to_corner_and_today_sits_where_the_cycle_is():
    c = chart(today=date(2026, 11, 15))
    assert c.expected == charts.Segment(c.left, c.bottom, c.right, c.top)
    elapsed = p.expected_progress(*Q4, date(2026, 11, 15))
    assert c.today_x == round(c.left + elapsed * (c.right - c.left), 2)


def test_the_latest_value_is_held_until_today():
    c = chart(check_ins=[(date(2026, 10, 20), 80)], today=date(2026, 11, 15))
    assert c.hold == charts.Segment(c.dots[0].x, c.dots[0].y, c.today_x, c.dots[0].y)


def test_there_is_no_today_marker_outside_the_cycle():
    assert chart(today=date(2027, 2, 1)).today_x is None
    assert chart(today=date(2026, 9, 1)).today_x is None
    assert chart(today=date(2026, 9, 1)).hold is None


def test_a_quarter_is_labelled_by_month_with_weekly_grid_lines():
    c = chart()
    assert [tick.when for tick in c.x_ticks] == [
        date(2026, 10, 1),
        date(2026, 11, 1),
        date(2026, 12, 1),
    ]
    assert {tick.label for tick in c.x_ticks} == {charts.MONTH}
    assert len(c.x_grid) == 13  # Mondays


def test_a_year_labels_every_month_and_keeps_every_other_label_on_phones():
    c = chart(cycle=(date(2026, 1, 1), date(2026, 12, 31)))
    assert len(c.x_ticks) == 12
    assert [tick.major for tick in c.x_ticks[:3]] == [True, False, True]


def test_a_short_cycle_is_labelled_by_day():
    c = chart(cycle=(date(2026, 11, 2), date(2026, 11, 30)))
    assert {tick.label for tick in c.x_ticks} == {charts.DAY}
    assert c.x_ticks[0].when == date(2026, 11, 2)  # a Monday


def test_a_range_plots_values_around_its_shaded_band_without_a_pace_line():
    c = chart(UPTIME, [(date(2026, 10, 8), 99.95), (date(2026, 10, 15), 99.5)])
    assert c.scale == charts.VALUE and c.expected is None
    assert c.band is not None
    assert c.band.y <= c.dots[0].y <= c.band.y + c.band.height  # inside the band
    assert c.dots[1].y > c.band.y + c.band.height  # below it
    assert [dot.progress for dot in c.dots] == [1.0, 0.0]
    assert len(c.line) == 2  # no start value: a range has none
    ticks = [tick.value for tick in c.y_ticks]
    assert ticks == sorted(ticks) and ticks[0] <= 99.5 and ticks[-1] >= 100


def test_a_range_keeps_its_band_visible_beside_an_absurd_value():
    c = chart(UPTIME, [(date(2026, 10, 8), -1e9)])
    assert c.band is not None and c.band.height > (c.bottom - c.top) / 12
    assert c.dots[0].y == c.bottom and c.dots[0].beyond


def test_a_band_narrower_than_a_float_can_tell_still_gets_an_axis():
    c = chart(charts.Shape(kind=p.METRIC, direction=p.RANGE, range_low=0, range_high=5e-324))
    assert c.band is not None and len(c.y_ticks) >= 2


def test_a_milestone_with_steps_climbs_by_the_weight_of_the_steps_done():
    launch = charts.Shape(kind=p.MILESTONE, steps=[(1, 1.0), (2, 3.0)])
    c = chart(
        launch,
        [
            charts.Reading(date(2026, 10, 10), 0, [1]),
            charts.Reading(date(2026, 11, 10), 1, [1, 2]),
        ],
    )
    assert [dot.progress for dot in c.dots] == [0.25, 1.0]
    # Steps: flat, then up at each check-in.
    assert c.line[1] == (c.dots[0].x, c.bottom)
    assert c.line[3] == (c.dots[1].x, c.dots[0].y)


def test_the_path_draws_the_line_through_its_vertices():
    c = chart(check_ins=[(date(2026, 11, 1), 100)])
    assert c.path == f"M{c.left:g} {c.bottom:g} L{c.dots[0].x:g} {c.dots[0].y:g}"


def test_a_datetime_counts_its_time_of_day():
    morning = charts.elapsed(*Q4, datetime(2026, 11, 1, 6))
    evening = charts.elapsed(*Q4, datetime(2026, 11, 1, 18))
    assert charts.elapsed(*Q4, date(2026, 11, 1)) < morning < evening


# Properties ---------------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
moments = st.one_of(
    days,
    st.builds(datetime.combine, days, st.times()),
    st.datetimes(min_value=datetime(1990, 1, 1)),
)
values = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
shapes = st.one_of(
    st.builds(
        charts.Shape,
        kind=st.just(p.METRIC),
        direction=st.sampled_from([p.INCREASE, p.DECREASE]),
        start=values,
        target=values,
    ),
    st.builds(
        lambda low, width: charts.Shape(
            kind=p.METRIC, direction=p.RANGE, range_low=low, range_high=low + width
        ),
        values,
        st.floats(min_value=0, max_value=1e9),
    ),
    st.builds(
        charts.Shape,
        kind=st.just(p.MILESTONE),
        steps=st.lists(st.tuples(st.integers(1, 9), st.floats(0.01, 100)), max_size=4),
    ),
)
readings = st.builds(charts.Reading, moments, values, st.lists(st.integers(1, 9), max_size=4))


@st.composite
def charts_of_anything(draw) -> charts.Chart:
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(1, 800)))
    return charts.build(
        cycle_start=start,
        cycle_end=end,
        today=draw(moments),
        shape=draw(shapes),
        check_ins=draw(st.lists(readings, max_size=30)),
    )


@given(charts_of_anything())
def test_everything_drawn_stays_inside_the_plot_area(c):
    for x, y in c.line:
        assert inside(c, x, y)
    for dot in c.dots:
        assert inside(c, dot.x, dot.y)
        assert 0 <= dot.progress <= 1
    if c.hold:
        assert inside(c, c.hold.x1, c.hold.y1) and inside(c, c.hold.x2, c.hold.y2)
    if c.today_x is not None:
        assert c.left <= c.today_x <= c.right
    if c.band:
        assert inside(c, c.band.x, c.band.y)
        assert inside(c, c.band.x + c.band.width, c.band.y + c.band.height)
    for tick in c.x_ticks:
        assert c.left <= tick.x <= c.right
    for x in c.x_grid:
        assert c.left <= x <= c.right
    for tick in c.y_ticks:
        assert c.top <= tick.y <= c.bottom


@given(charts_of_anything())
def test_the_line_never_goes_back_in_time(c):
    xs = [x for x, _y in c.line]
    assert xs == sorted(xs)
    assert [dot.x for dot in c.dots] == sorted(dot.x for dot in c.dots)


@given(days, st.integers(1, 800), st.lists(moments, min_size=2, max_size=10))
def test_a_later_check_in_is_never_left_of_an_earlier_one(start, length, moments_):
    end = start + timedelta(days=length)
    c = charts.build(
        cycle_start=start,
        cycle_end=end,
        today=end,
        shape=JOBS,
        check_ins=[(m, 1) for m in moments_],
    )
    by_input = {dot.index: dot.x for dot in c.dots}
    first, last = as_datetime(start), as_datetime(end)
    # Coordinates have two decimals: check-ins closer than that may share one.
    resolution = timedelta(days=length / (c.right - c.left) / 100)
    for i, earlier in enumerate(map(as_datetime, moments_)):
        for j, later in enumerate(map(as_datetime, moments_)):
            if earlier < later:
                assert by_input[i] <= by_input[j]
                if first <= earlier and later <= last and later - earlier > 2 * resolution:
                    assert by_input[i] < by_input[j]


def as_datetime(moment) -> datetime:
    return moment if isinstance(moment, datetime) else datetime.combine(moment, time())


@given(charts_of_anything())
def test_the_expected_line_runs_from_the_bottom_left_to_the_top_right_corner(c):
    if c.scale == charts.PROGRESS:
        assert c.expected == charts.Segment(c.left, c.bottom, c.right, c.top)
    else:
        assert c.expected is None


@given(charts_of_anything())
def test_every_check_in_gets_one_dot_and_the_line_one_point_each(c):
    start_points = 1 if c.scale == charts.PROGRESS else 0
    per_check_in = {len(c.line) - start_points - len(c.dots), len(c.line) - start_points}
    assert len(c.dots) in per_check_in  # a milestone adds a corner before each rise
    assert sorted(dot.index for dot in c.dots) == list(range(len(c.dots)))


@pytest.mark.parametrize(("low", "high"), [(-1e308, 1e308), (1e308, 1e308), (-1e308, -1e308)])
def test_a_range_with_extreme_bounds_still_draws(low, high):
    shape = charts.Shape(kind=p.METRIC, direction=p.RANGE, range_low=low, range_high=high)
    c = chart(shape, [(date(2026, 10, 8), 0.0), (date(2026, 10, 15), 1e308)])
    assert c.band is not None and len(c.y_ticks) >= 2
    assert all(inside(c, dot.x, dot.y) for dot in c.dots)
