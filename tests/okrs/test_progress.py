"""The progress math of DESIGN.md, as pure functions: examples and properties."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from stretch.okrs import progress as p

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
unit = st.floats(min_value=0, max_value=1)
weight = st.floats(min_value=0.01, max_value=100)


def test_increase_metric_is_share_of_the_way():
    assert p.metric_progress(0, 200, 50) == 0.25


def test_decrease_metric_is_share_of_the_way_down():
    assert p.metric_progress(200, 100, 150) == 0.5


def test_overshoot_is_clamped_but_attainment_is_not():
    assert p.metric_progress(0, 10, 15) == 1.0
    assert p.attainment(0, 10, 15) == 1.5


def test_moving_the_wrong_way_counts_as_no_progress():
    assert p.metric_progress(10, 20, 5) == 0.0
    assert p.attainment(10, 20, 5) == -0.5


def test_without_a_check_in_nothing_has_moved():
    assert p.metric_progress(0, 10, None) == 0.0
    assert p.range_progress(1, 2, None) == 0.0


def test_range_is_all_or_nothing_with_inclusive_bounds():
    assert p.range_progress(95, 99, 95) == 1.0
    assert p.range_progress(95, 99, 99) == 1.0
    assert p.range_progress(95, 99, 99.01) == 0.0
    assert p.range_progress(95, 99, 94.99) == 0.0


def test_milestone_is_done_or_not():
    assert p.milestone_progress(True) == 1.0
    assert p.milestone_progress(False) == 0.0


def test_milestone_with_steps_is_the_weighted_share_done():
    steps = [p.Step(1, True), p.Step(3, False)]
    assert p.milestone_progress(False, steps) == 0.25


def test_key_result_progress_dispatches_on_kind_and_direction():
    assert p.key_result_progress(kind="metric", direction="range", start=0, target=1,
                                 current=5, range_low=4, range_high=6) == 1.0  # fmt: skip
    assert p.key_result_progress(kind="milestone", direction="increase", start=0, target=1,
                                 current=1) == 1.0  # fmt: skip
    assert p.key_result_progress(kind="metric", direction="decrease", start=10, target=0,
                                 current=4) == 0.6  # fmt: skip


def test_objective_is_weighted_mean_of_key_results():
    assert p.objective_progress([(1.0, 1), (0.0, 3)]) == 0.25


def test_objective_without_key_results_takes_mean_of_children():
    assert p.objective_progress([], [0.2, 0.4]) == pytest.approx(0.3)
    assert p.objective_progress([], []) == 0.0


def test_expected_progress_is_the_elapsed_share_of_the_cycle():
    start, end = date(2026, 1, 1), date(2026, 1, 11)
    assert p.expected_progress(start, end, date(2026, 1, 6)) == 0.5
    assert p.expected_progress(start, end, date(2025, 12, 1)) == 0.0
    assert p.expected_progress(start, end, date(2026, 2, 1)) == 1.0


@pytest.mark.parametrize(
    ("progress", "grade", "colour"),
    [(0.0, 0.0, "red"), (0.34, 0.3, "red"), (0.35, 0.4, "yellow"), (0.64, 0.6, "yellow"),
     (0.65, 0.7, "green"), (0.7, 0.7, "green"), (1.0, 1.0, "green")],
)  # fmt: skip
def test_grade_is_suggested_in_tenths_with_its_colour(progress, grade, colour):
    assert p.suggest_grade(progress) == grade
    assert p.grade_colour(p.suggest_grade(progress)) == colour


def test_health_from_pace_and_confidence():
    assert p.health(0.5, 0.5, 8) == p.ON_TRACK
    assert p.health(0.3, 0.5, 8) == p.AT_RISK  # 0.2 behind pace
    assert p.health(0.1, 0.5, 8) == p.OFF_TRACK  # 0.4 behind pace
    assert p.health(0.5, 0.5, 5) == p.AT_RISK  # owner is unsure
    assert p.health(0.5, 0.5, 2) == p.OFF_TRACK  # owner expects to miss
    assert p.health(1.0, 0.5, 1) == p.ON_TRACK  # done is done
    assert p.health(0.5, 0.5, None) == p.ON_TRACK


@given(start=finite, target=finite, current=finite)
def test_metric_progress_is_always_between_0_and_1(start, target, current):
    assert 0.0 <= p.metric_progress(start, target, current) <= 1.0


@given(start=finite, target=finite, current=finite)
def test_decrease_mirrors_increase(start, target, current):
    assume(start != target)
    assert p.metric_progress(start, target, current) == pytest.approx(
        p.metric_progress(-start, -target, -current)
    )


@given(start=finite, target=finite, share=unit)
def test_progress_is_monotonic_toward_target(start, target, share):
    assume(abs(target - start) > 1e-6)
    nearer = start + (target - start) * share
    assert p.metric_progress(start, target, nearer) == pytest.approx(share, abs=1e-6)
    assert p.metric_progress(start, target, target) == 1.0
    assert p.metric_progress(start, target, start) == 0.0


@given(st.lists(st.tuples(unit, weight), min_size=1, max_size=10))
def test_objective_progress_lies_between_its_key_results(pairs):
    value = p.objective_progress(pairs)
    assert min(v for v, _ in pairs) - 1e-9 <= value <= max(v for v, _ in pairs) + 1e-9


@given(st.lists(st.tuples(unit, weight), min_size=1, max_size=10), st.floats(0.1, 10))
def test_scaling_all_weights_changes_nothing(pairs, factor):
    scaled = [(v, w * factor) for v, w in pairs]
    assert p.objective_progress(scaled) == pytest.approx(p.objective_progress(pairs))


@given(unit, unit, weight)
def test_heavier_key_result_pulls_harder(a, b, w):
    assume(abs(a - b) > 1e-3)
    light = p.objective_progress([(a, 1), (b, 1)])
    heavy = p.objective_progress([(a, 1 + w), (b, 1)])
    assert abs(heavy - a) < abs(light - a)


@given(st.lists(st.tuples(weight, st.booleans()), min_size=1, max_size=10))
def test_milestone_steps_progress_is_between_0_and_1(steps):
    value = p.milestone_progress(False, [p.Step(w, d) for w, d in steps])
    assert 0.0 <= value <= 1.0
    if all(d for _, d in steps):
        assert value == pytest.approx(1.0)


@given(st.dates(), st.integers(1, 800), st.integers(-1000, 1000))
def test_expected_progress_is_clamped_and_grows_with_time(start, length, offset):
    try:
        end = start + timedelta(days=length)
        today = start + timedelta(days=offset)
        later = today + timedelta(days=1)
    except OverflowError:
        return
    assert 0.0 <= p.expected_progress(start, end, today) <= 1.0
    assert p.expected_progress(start, end, later) >= p.expected_progress(start, end, today)


@given(unit)
def test_suggested_grade_is_a_tenth_within_half_a_step(progress):
    grade = p.suggest_grade(progress)
    assert round(grade * 10) == pytest.approx(grade * 10)
    assert abs(grade - progress) <= 0.05 + 1e-9
