"""What a service consumes (`ConsumerSpec`), how its Kafka client fetches for it, and what the
consumers count. `zg_common.consumer` runs the specs."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.events import CloudEvent

EVENTS_PROCESSED = Counter(
    "zg_consumer_events_total", "Events handled by consumers", ["consumer", "outcome"]
)
# the events one transaction of a consumer applies: a poll's, when they are applied together
POLL_RECORDS = Histogram(
    "zg_consumer_poll_records",
    "Records a consumer applied from one poll (of all its partitions)",
    ["consumer"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[CloudEvent]], Awaitable[object]]  # result unused
Prepare = Callable[[AsyncSession, Sequence[CloudEvent]], Awaitable[object]]  # result unused


def subject_ids(events: Sequence[CloudEvent], event_type: str | None = None) -> list[uuid.UUID]:
    """The UUIDs these events (of `event_type`, or all) are keyed by: their subject, which the
    platform's case events carry as the case's id. For a `prepare`; an event whose subject is
    no UUID is left out (its handler reads its own id and refuses a bad one)."""
    ids = []
    for event in events:
        if event_type in (None, event.type) and event.subject:
            with suppress(ValueError):
                ids.append(uuid.UUID(event.subject))
    return ids


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


@dataclass(frozen=True)
class ConsumerSpec:
    """What a service consumes: a group name, topics and one handler per event type.

    A projection whose rows are keyed by the event id (applying an event twice changes
    nothing) gives a `batch` handler instead: it takes a whole poll's events in one call, skips
    the types it does not read, and no processed-event row is written per event (so a replay
    into emptied projections is not swallowed by the records of the first pass)."""

    name: str
    topics: Sequence[str]
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    batch: BatchHandler | None = None
    # Called in a poll's transaction with the new events its handlers are about to apply,
    # before the first of them: to read or lock in one statement what each handler would
    # otherwise read alone (the handlers must still work without it: a record applied on its
    # own, after a poll failed as a whole, is not prepared).
    prepare: Prepare | None = None
    max_records: int = 100
    # How long the broker may hold a fetch to gather events, in ms. 0: a fetch returns as soon
    # as one event is there (the dispatch path, where every ms shows). A consumer whose readers
    # accept a fraction of a second's delay (projections, links, officers' tasks) gathers
    # instead: under load one poll carries hundreds of events, so the fetch, the transaction and
    # the offset commit are paid once for them, not once or twice per case.
    gather_ms: int = 0


# the gathering of the consumers that may trail by a moment (see `ConsumerSpec.gather_ms`)
FOLLOWER_GATHER_MS = 250
GATHER_BYTES = 1 << 20  # a gathering fetch returns early once this much is waiting
# as aiokafka's defaults: answer at once, and hold an idle fetch half a second
PROMPT_FETCH = {"fetch_min_bytes": 1, "fetch_max_wait_ms": 500}


def fetch_settings(spec: ConsumerSpec) -> dict[str, int]:
    """The fetch options of a consumer's client for its `gather_ms`."""
    if spec.gather_ms <= 0:
        return dict(PROMPT_FETCH)
    return {"fetch_min_bytes": GATHER_BYTES, "fetch_max_wait_ms": spec.gather_ms}
