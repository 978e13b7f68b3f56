"""Python's cyclic garbage collector paused around work that makes many objects and no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block (or, as ``@collector_paused()``, each call) with the cyclic collector paused;
    it resumes afterwards unless it was paused already.

    For work that keeps many objects alive and builds no reference cycles (reference counting
    frees all of it): every automatic collection would walk them all again and free nothing.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
