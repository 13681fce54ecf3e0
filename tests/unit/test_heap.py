"""The cycle collector's pauses are measured, and start-up's heap is frozen (`zg_common.heap`)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from zg_common import heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def pauses(generation: int) -> float:
    value = REGISTRY.get_sample_value("zg_gc_pause_seconds_count", {"generation": str(generation)})
    return value or 0.0


def test_every_collection_is_observed_once_however_often_watch_is_called() -> None:
    heap.watch()
    heap.watch()
    assert gc.callbacks.count(heap._observe) == 1
    before = pauses(2)
    gc.collect()
    assert pauses(2) == before + 1


def test_settle_freezes_what_start_up_left_and_collects_its_garbage(unfrozen: None) -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    gc.unfreeze()
    garbage = weakref.ref(Node())  # unreachable already, freed only by a collection
    kept = Node()
    heap.settle()
    assert garbage() is None  # collected before the freeze, not frozen for good
    assert gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects(generation=2))  # out of the collector's walk
    assert gc.get_threshold()[0] == heap.YOUNG


def test_a_process_settles_once_however_many_apps_it_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settled = []
    monkeypatch.setattr(heap, "settle", lambda: settled.append(1))
    monkeypatch.setattr(heap, "_settled", False)
    heap.settle_once()
    heap.settle_once()
    assert settled == [1]
