"""hpm.gcpause: the collector paused around a block, and the block's objects promoted."""

from __future__ import annotations

import gc
import weakref

from hpm.gcpause import collector_paused


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_the_collector_resumes_and_stays_paused_when_it_was() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused(promote=True):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_promoted_objects_skip_the_young_collection_and_cycles_are_still_freed() -> None:
    kept: list[list[int]] = []
    with collector_paused(promote=True):
        kept.extend([i] for i in range(5000))
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        young = gc.get_stats()[0]["collections"]
    # the block's 5,000 objects made no young collection due once the collector resumed
    assert gc.get_stats()[0]["collections"] == young
    del a, b
    gc.collect()
    assert ref() is None  # the promoted cycle is found by a full collection
    assert len(kept) == 5000


def test_frozen_objects_of_the_process_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_paused(promote=True):
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
