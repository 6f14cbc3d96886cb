"""Flags the engine sets around its own writes ("don't check the day order yet", "the
sequence applies the running-edit policy itself"). They live on the cursor, not in the
context: a context is whatever an RPC caller sends, so a flag there would let anyone skip
the checks. Plain Python."""

from collections import Counter
from contextlib import contextmanager

_KEY = "crm_sequence_engine_flags"


@contextmanager
def engine_flag(env, *names):
    """Set ``names`` for the code run inside the block (nested blocks add up)."""
    flags = env.cr.cache.setdefault(_KEY, Counter())
    flags.update(names)
    try:
        yield
    finally:
        flags.subtract(names)


def engine_flag_set(env, name):
    return env.cr.cache.get(_KEY, {}).get(name, 0) > 0
