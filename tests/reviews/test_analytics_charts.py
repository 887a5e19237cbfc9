"""Geometry of the analytics charts (`stretch.reviews.analytics_charts`): pure functions."""

from datetime import date, timedelta

import pytest

from stretch.reviews import analytics_charts as charts


@pytest.mark.parametrize(
    ("highest", "top", "step"),
    [(0, 1, 1), (3, 3, 1), (5, 5, 1), (7, 8, 2), (30, 30, 10), (31, 40, 10), (260, 300, 100)],
)
def test_the_count_axis_ends_on_a_round_step(highest, top, step):
    assert charts.nice_ceiling(highest) == (top, step)


def test_the_tallest_bar_reaches_the_top_and_an_empty_one_has_no_height():
    chart = charts.histogram([("a", 0, ""), ("b", 4, "green"), ("c", 2, "red")])
    empty, tall, half = chart.bars
    assert empty.height == 0 and empty.y == chart.bottom
    assert tall.y == chart.top and tall.height == chart.bottom - chart.top
    assert half.height == pytest.approx((chart.bottom - chart.top) / 2)
    assert (tall.colour, chart.total) == ("green", 6)
    assert [t.value for t in chart.ticks] == [0, 1, 2, 3, 4]


def test_bars_sit_side_by_side_inside_the_plot():
    chart = charts.histogram([(str(k), k, "") for k in range(10)])
    for left, right in zip(chart.bars, chart.bars[1:], strict=False):
        assert left.x + left.width < right.x
    assert chart.bars[0].x >= chart.left
    assert chart.bars[-1].x + chart.bars[-1].width <= chart.right


def test_a_row_bar_is_as_long_as_its_share_and_stays_in_its_track():
    chart = charts.horizontal_bars([("Platform", 0.5), ("Sales", 1.7), ("Nobody", None)])
    half, over, none = chart.rows
    assert half.bar_width == pytest.approx(chart.track_width / 2)
    assert over.bar_width == chart.track_width and over.share == 1.0
    assert (none.bar_width, none.share) == (0, None)
    assert half.y < over.y < none.y


def test_a_long_row_label_is_shortened_but_kept_whole_for_its_tooltip():
    name = "The department of very long names that go on"
    [row] = charts.horizontal_bars([(name, 0.2)]).rows
    assert row.label.endswith("…") and len(row.label) <= charts.MAX_LABEL
    assert row.full_label == name


def test_the_line_skips_weeks_without_a_value_and_clamps_to_the_axis():
    monday = date(2026, 1, 5)
    weeks = [monday + timedelta(days=7 * i) for i in range(5)]
    chart = charts.line(list(zip(weeks, [5.0, None, 10.0, 12.0, 0.0], strict=True)))
    assert [p.when for p in chart.points] == [weeks[0], weeks[2], weeks[3], weeks[4]]
    assert chart.points[1].y == chart.top and chart.points[2].y == chart.top  # 10 and 12
    assert chart.points[3].y == chart.bottom
    assert chart.points[0].y == pytest.approx((chart.top + chart.bottom) / 2)
    assert chart.path.startswith(f"M{chart.left:g} ")
    assert [t.value for t in chart.ticks] == [0, 2, 4, 6, 8, 10]


def test_a_long_cycle_labels_only_some_weeks():
    monday = date(2026, 1, 5)
    weeks = [(monday + timedelta(days=7 * i), 5.0) for i in range(52)]
    chart = charts.line(weeks)
    assert len(chart.x_labels) <= 8
    assert len(chart.x_grid) == 52
