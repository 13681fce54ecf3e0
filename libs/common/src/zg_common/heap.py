"""Python's cycle collector in a long-running service: its pauses measured, and the heap built
at start-up kept out of its full collections.

A full (generation 2) collection walks every container object the process holds. A service's
start-up leaves hundreds of thousands of them that live as long as the process (modules, the
app and its OpenAPI schema, SQLAlchemy's mappers, pydantic's validators, reference data), and
each full collection walked them all again: 80–200 ms a pause, measured in every service while
the dispatch bench ran, and a request that waited for one waited that long (the tail of the
reads under load). `settle` collects once and freezes what is left (`gc.freeze`: the objects
move to a permanent generation the collector no longer visits), so later full collections walk
only what was made since. An object frozen that later becomes cyclic garbage is never freed:
that is the price, and start-up's long-lived objects are the ones that stay.

The youngest generation is collected after `YOUNG` container objects more than were freed
(Python's default is 700): a request's own objects, alive while it awaits the database, counted
past 700 several times per request, so each was walked by a young collection and many moved on
to the older generations, whose collections then walked them again. In intake under the
throughput bench that was ~580 young, ~50 middle and ~4 full collections in 10 s, 0.5 s of
pauses in all; with 10,000, 7 young collections and 35 ms.

Every pause is observed in `zg_gc_pause_seconds` (by generation) on the service's /metrics.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from prometheus_client import Histogram

GC_PAUSE = Histogram(
    "zg_gc_pause_seconds",
    "Pauses of Python's cycle collector (the whole process waits), by generation",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5),
)
_BY_GENERATION = [GC_PAUSE.labels(str(g)) for g in range(3)]
_started = [0.0]
_settled = False
YOUNG = 10_000


def _observe(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        _BY_GENERATION[info["generation"]].observe(time.perf_counter() - _started[0])


def watch() -> None:
    """Observe every collection's pause (once per process, however often called)."""
    if _observe not in gc.callbacks:
        gc.callbacks.append(_observe)


def settle_once() -> None:
    """`settle`, the first time a process calls it: a service's lifespan runs once per process,
    but a test process starts many apps, and freezing again each time would keep every
    earlier app's cyclic garbage for good."""
    global _settled
    if not _settled:
        _settled = True
        settle()


def settle() -> None:
    """At the end of start-up: collect what start-up left as garbage, freeze the rest, and
    collect the youngest generation after `YOUNG` objects."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
