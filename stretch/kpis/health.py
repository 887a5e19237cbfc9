"""A KPI's health: where a value falls in its band. Pure functions, no I/O.

- above: green at or above `green`; red below `red`; yellow between (red ≤ green).
- below: green at or below `green`; red above `red`; yellow between (green ≤ red).
- within: green inside [green_low, green_high]; red below `red_low` or above `red_high`;
  yellow between (red_low ≤ green_low ≤ green_high ≤ red_high).

A limit that equals its neighbour leaves no yellow on that side.
"""

from dataclasses import dataclass
from itertools import pairwise

GREEN, YELLOW, RED = "green", "yellow", "red"
ABOVE, BELOW, WITHIN = "above", "below", "within"
RED_STREAK_FOR_RECOVERY = 2  # measurements in a row in the red before the owner is told


@dataclass(frozen=True)
class Band:
    kind: str
    green: float | None = None
    red: float | None = None
    green_low: float | None = None
    green_high: float | None = None
    red_low: float | None = None
    red_high: float | None = None

    @classmethod
    def of(cls, kpi) -> "Band":
        return cls(
            kpi.band, kpi.green, kpi.red, kpi.green_low, kpi.green_high, kpi.red_low, kpi.red_high
        )


def problems(band: Band) -> dict[str, str]:
    """What is wrong with a band, by field (empty when it is sound). English messages; the
    service translates them."""
    found: dict[str, str] = {}
    if band.kind in (ABOVE, BELOW):
        for name in ("green", "red"):
            if getattr(band, name) is None:
                found[name] = "required"
        if found:
            return found
        assert band.green is not None and band.red is not None
        if band.kind == ABOVE and band.red > band.green:
            found["red"] = "above_order"
        if band.kind == BELOW and band.red < band.green:
            found["red"] = "below_order"
    elif band.kind == WITHIN:
        names = ("red_low", "green_low", "green_high", "red_high")
        for name in names:
            if getattr(band, name) is None:
                found[name] = "required"
        if found:
            return found
        for low_name, high_name in pairwise(names):
            if getattr(band, low_name) > getattr(band, high_name):
                found[high_name] = "within_order"
                break
    else:
        found["band"] = "unknown"
    return found


def health(band: Band, value: float) -> str:
    if band.kind == ABOVE:
        assert band.green is not None and band.red is not None
        return GREEN if value >= band.green else RED if value < band.red else YELLOW
    if band.kind == BELOW:
        assert band.green is not None and band.red is not None
        return GREEN if value <= band.green else RED if value > band.red else YELLOW
    assert None not in (band.green_low, band.green_high, band.red_low, band.red_high)
    if band.green_low <= value <= band.green_high:  # type: ignore[operator]
        return GREEN
    if value < band.red_low or value > band.red_high:  # type: ignore[operator]
        return RED
    return YELLOW


def way_back(band: Band, value: float) -> float:
    """The nearest value that is green again: a recovery key result's target."""
    if band.kind in (ABOVE, BELOW):
        assert band.green is not None
        return band.green
    assert band.green_low is not None and band.green_high is not None
    return band.green_low if value < band.green_low else band.green_high
