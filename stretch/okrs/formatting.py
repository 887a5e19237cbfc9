"""Numbers as people write them, the same on every page."""

from django.utils import formats


def number(value: float | None) -> str:
    """A value as people write it: 40, 99.95, 0.125, 1234567 (up to four decimals, none
    trailing, never in scientific notation), in the reader's locale."""
    if value is None:
        return "–"
    fixed = f"{value:.4f}".rstrip("0")
    return formats.number_format(value, decimal_pos=len(fixed.split(".")[1]))
