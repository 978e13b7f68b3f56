"""Python's cyclic garbage collector paused around work that makes many objects and no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(promote: bool = False) -> Iterator[None]:
    """Run the block (or, as ``@collector_paused()``, each call) with the cyclic collector paused;
    it resumes afterwards unless it was paused already.

    For work that keeps many objects alive and builds no reference cycles (reference counting
    frees all of it): every automatic collection would walk them all again and free nothing.

    ``promote``: for a block whose objects outlive it (a parsed model handed to the caller).
    The collector's count of new objects goes on while it is paused, so the first allocation
    after it resumes collects the youngest generation: a walk of everything the block made
    (a tenth of a BusyBox conversion), only to move it all to an older generation. Instead the
    young objects are moved to the oldest generation without a walk (``gc.freeze`` then
    ``gc.unfreeze``: list splices, and the count reset); any cycle among them is found at the
    next full collection. Not done when the process has frozen objects of its own (hpm's
    start-up does), which ``gc.unfreeze`` would release.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if promote and not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        gc.enable()
