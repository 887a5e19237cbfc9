"""The health rule of a KPI band, at and around every limit."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stretch.kpis.health import GREEN, RED, YELLOW, Band, health, problems, way_back

ABOVE = Band("above", green=95, red=90)
BELOW = Band("below", green=2, red=5)
WITHIN = Band("within", green_low=40, green_high=60, red_low=30, red_high=70)


@pytest.mark.parametrize(
    ("band", "value", "expected"),
    [
        (ABOVE, 99, GREEN), (ABOVE, 95, GREEN), (ABOVE, 94.9, YELLOW), (ABOVE, 90, YELLOW),
        (ABOVE, 89.9, RED),
        (BELOW, 1, GREEN), (BELOW, 2, GREEN), (BELOW, 3, YELLOW), (BELOW, 5, YELLOW),
        (BELOW, 5.1, RED),
        (WITHIN, 40, GREEN), (WITHIN, 60, GREEN), (WITHIN, 35, YELLOW), (WITHIN, 70, YELLOW),
        (WITHIN, 29, RED), (WITHIN, 71, RED),
    ],
)  # fmt: skip
def test_a_value_falls_green_yellow_or_red_with_the_limits_themselves_counted(
    band, value, expected
):
    assert health(band, value) == expected


def test_equal_limits_leave_no_yellow():
    assert health(Band("above", green=10, red=10), 9.99) == RED
    assert health(Band("above", green=10, red=10), 10) == GREEN


@pytest.mark.parametrize(
    ("band", "field"),
    [
        (Band("above", green=90, red=95), "red"),
        (Band("below", green=5, red=2), "red"),
        (Band("within", green_low=40, green_high=60, red_low=45, red_high=70), "green_low"),
        (Band("within", green_low=60, green_high=40, red_low=30, red_high=70), "green_high"),
        (Band("within", green_low=40, green_high=60, red_low=30, red_high=50), "red_high"),
        (Band("above", green=90), "red"),
        (Band("within", green_low=1, green_high=2, red_low=0), "red_high"),
        (Band("sideways", green=1, red=0), "band"),
    ],
)
def test_limits_in_the_wrong_order_or_missing_are_named(band, field):
    assert field in problems(band)


def test_sound_bands_have_no_problems():
    assert problems(ABOVE) == problems(BELOW) == problems(WITHIN) == {}


def test_the_way_back_is_the_nearest_green_limit():
    assert way_back(ABOVE, 80) == 95
    assert way_back(BELOW, 9) == 2
    assert way_back(WITHIN, 10) == 40 and way_back(WITHIN, 90) == 60


@given(st.floats(-1e6, 1e6), st.floats(0, 1e3), st.floats(0, 1e3), st.floats(-1e6, 1e6))
def test_a_value_at_the_way_back_is_green(low, width, margin, value):
    band = Band(
        "within", green_low=low, green_high=low + width, red_low=low - margin,
        red_high=low + width + margin,
    )  # fmt: skip
    assert problems(band) == {}
    assert health(band, way_back(band, value)) == GREEN
