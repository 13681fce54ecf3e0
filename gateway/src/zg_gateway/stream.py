"""The live map's event stream: the feed's Kafka topics relayed as Server-Sent Events.

Each stream reads the feed's topics (`zg_common.contracts.feed`) with a consumer of its own,
in no consumer group: it assigns every partition and starts where the viewer asks, so any
gateway replica serves any reconnect and nothing is committed anywhere.

- **Position.** Every event's SSE `id` is the stream's position after it: the next offset of
  every partition, `<layout>-<o1>.<o2>...` (the layout a digest of the topic-partitions, in
  order). A reconnect that sends it back (`Last-Event-ID`, or `last_event_id` for a page that
  opens a new EventSource) resumes right after, so nothing is missed while the broker still
  keeps the records (the topics' retention). Events the viewer may not see advance the position
  too, in a heartbeat that carries only an `id` (the spec sets the last event id without
  dispatching anything) every `heartbeat_s`.
- **Reset.** A position the broker no longer has (older than the retention, or of another
  layout) cannot be resumed: the stream starts at the end and says `event: reset`, and the
  page reloads what it shows.
- **Filter.** Each event goes only to a viewer whose REST reads would show it (`Viewer`).
- **Lifetime.** A stream ends after `max_age_s` with `event: bye`: the viewer's identity is
  checked again by the next ticket, so a disabled account stops seeing the district within it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
from aiokafka import AIOKafkaConsumer, TopicPartition
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from zg_common.contracts.feed import FEED_BY_TYPE, FEED_TOPICS, Viewer
from zg_common.events import HEADER_EVENT_TYPE, UndecodableEvent, decode_event
from zg_common.kafka import partitions_of
from zg_common.kafka_cluster import Kafka, cluster_of

log = logging.getLogger(__name__)

RETRY_MS = 2000  # how long a browser waits before it reconnects by itself
MAX_RECORDS = 500


@dataclass(frozen=True)
class StreamLimits:
    heartbeat_s: float
    max_age_s: float
    max_connections: int


def _layout_tag(partitions: list[TopicPartition]) -> str:
    text = ",".join(f"{tp.topic}/{tp.partition}" for tp in partitions)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class Position:
    """Where a stream stands: the next offset of each partition of the feed."""

    def __init__(self, partitions: list[TopicPartition], offsets: Mapping[TopicPartition, int]):
        self.partitions = partitions
        self.tag = _layout_tag(partitions)
        self.offsets = {tp: int(offsets[tp]) for tp in partitions}

    def encode(self) -> str:
        return f"{self.tag}-" + ".".join(str(self.offsets[tp]) for tp in self.partitions)

    @classmethod
    def parse(cls, text: str | None, partitions: list[TopicPartition]) -> Position | None:
        """The position a client sent back, or None when it is not one of this layout."""
        if not text:
            return None
        tag, _, numbers = text.strip().partition("-")
        parts = numbers.split(".")
        if tag != _layout_tag(partitions) or len(parts) != len(partitions):
            return None
        try:
            offsets = [int(p) for p in parts]
        except ValueError:
            return None
        if any(o < 0 for o in offsets):
            return None
        return cls(partitions, dict(zip(partitions, offsets, strict=True)))


def sse(data: Any = None, *, event: str | None = None, id: str | None = None) -> bytes:
    lines = []
    if event:
        lines.append(f"event: {event}")
    if id:
        lines.append(f"id: {id}")
    if data is not None:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
        lines.append(f"data: {text}")
    return ("\n".join(lines) + "\n\n").encode()


async def open_consumer(kafka: Kafka) -> AIOKafkaConsumer:
    """A started consumer of no group (raises when the broker cannot be reached)."""
    consumer = AIOKafkaConsumer(
        **cluster_of(kafka).client(),
        group_id=None,
        enable_auto_commit=False,
        client_id="zg-gateway-stream",
        fetch_max_wait_ms=200,
        request_timeout_ms=10000,
        metadata_max_age_ms=60000,
    )
    try:
        await consumer.start()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await consumer.stop()
        raise
    return consumer


async def start_position(
    consumer: AIOKafkaConsumer, last_event_id: str | None, topics: Iterable[str] = FEED_TOPICS
) -> tuple[Position, bool, bool]:
    """Assign the feed's partitions and seek: after `last_event_id` when the broker still has
    it (resumed), else at the end (reset when an id was given and cannot be resumed)."""
    partitions = await partitions_of(consumer, topics)
    consumer.assign(partitions)
    ends = await consumer.end_offsets(partitions) if partitions else {}
    wanted = Position.parse(last_event_id, partitions)
    resumed = wanted is not None
    if wanted is not None:
        begins = await consumer.beginning_offsets(partitions)
        resumed = all(begins[tp] <= o <= ends[tp] for tp, o in wanted.offsets.items())
    position = wanted if resumed and wanted is not None else Position(partitions, ends)
    for tp, offset in position.offsets.items():
        consumer.seek(tp, offset)
    return position, resumed, bool(last_event_id) and not resumed


def _event_type(record: Any) -> str | None:
    for key, value in record.headers or ():
        if key == HEADER_EVENT_TYPE:
            return bytes(value).decode("utf-8", "replace")
    return None


async def relay(
    viewer: Viewer,
    consumer: AIOKafkaConsumer,
    position: Position,
    *,
    resumed: bool,
    reset: bool,
    heartbeat_s: float,
    max_age_s: float,
) -> AsyncIterator[bytes]:
    """The stream's bytes; stops the consumer however it ends."""
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        if reset:
            yield sse({"reason": "the position is no longer kept: reload"}, event="reset")
        yield sse(
            {"resumed": resumed, "role": viewer.identity.role, "at": time.time()},
            event="ready",
            id=position.encode(),
        )
        started = last_write = time.monotonic()
        while time.monotonic() - started < max_age_s:
            batches = await consumer.getmany(
                timeout_ms=int(heartbeat_s * 1000), max_records=MAX_RECORDS
            )
            chunks: list[bytes] = []
            for tp, records in batches.items():
                for record in records:
                    position.offsets[tp] = record.offset + 1
                    event = _visible(viewer, record)
                    if event is not None:
                        chunks.append(sse(event, id=position.encode()))
            if chunks:
                yield b"".join(chunks)
                last_write = time.monotonic()
            elif time.monotonic() - last_write >= heartbeat_s or batches:
                # nothing to show: the position still moves (and the connection stays open)
                yield sse(id=position.encode())
                last_write = time.monotonic()
        yield sse({"reason": "the stream's time is up: reconnect with a new ticket"}, event="bye")
    finally:
        with anyio.CancelScope(shield=True):
            await consumer.stop()


def _visible(viewer: Viewer, record: Any) -> dict[str, Any] | None:
    event_type = _event_type(record)
    if event_type not in FEED_BY_TYPE or event_type not in viewer.allowed:
        return None
    try:
        event = decode_event(record.value)
    except UndecodableEvent:
        return None
    if event.type != event_type or not viewer.sees(event_type, event.data):
        return None
    return {
        "type": event_type,
        "id": event.id,
        "time": event.time.isoformat(),
        "data": event.data,
    }


class EventStreamResponse(StreamingResponse):
    """`text/event-stream`, not buffered by proxies, and `close` awaited however the
    connection ends, even before the first byte (the consumer behind a stream must not outlive
    its viewer)."""

    media_type = "text/event-stream"

    def __init__(
        self, content: AsyncIterator[bytes], *, close: Callable[[], Awaitable[None]]
    ) -> None:
        super().__init__(
            content,
            headers={"cache-control": "no-cache, no-store", "x-accel-buffering": "no"},
        )
        self.close = close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                closing = getattr(self.body_iterator, "aclose", None)
                try:
                    if closing is not None:
                        with contextlib.suppress(Exception):
                            await closing()
                finally:
                    await self.close()
