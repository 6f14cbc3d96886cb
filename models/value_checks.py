"""Checks of typed values before they reach the database, where a number out of range is a
raw error (and ``True`` would pass for 1). Plain Python."""

MAX_INT = 2**31 - 1  # PostgreSQL integer


def is_whole_number(value, low=0, high=MAX_INT):
    """``value`` is an int (not a bool) from ``low`` to ``high``."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
