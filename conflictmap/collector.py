"""Pausing Python's cyclic garbage collector while a large, long-lived structure is built.

Reading an events file, validating it and building the app each create many small objects that all
stay alive (building the app of a million events: 206,000 the collector tracks): the collector,
triggered by the allocations, would walk the growing heap again and again and free nothing. One place
for the pause, so every builder pauses the same way and restores the collector as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """The collector off for the block, then as it was (a nested pause leaves it off to the outer one).

    Measured: a third of the time reading 30,000 events; at a million events, building the app (its
    control model, lanes and layout) took 2.27 s with the collector and 1.30 s without.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
