"""Numbers from query strings and forms, read without ever failing."""

LARGEST_ID = 2**63 - 1  # the largest key PostgreSQL and SQLite store


def as_int(value, default: int | None = None) -> int | None:
    """A whole number from 0 to LARGEST_ID, or `default` when `value` is anything else
    (missing, not a number, negative, or too large for the database to compare)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 0 <= number <= LARGEST_ID else default
