"""How a consumer's client fetches: the dispatch path answers as soon as one event is there;
the consumers that may trail by a moment let the broker gather (`ConsumerSpec.gather_ms`). And
what it does not decode: events of types it has no handler for."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiokafka import TopicPartition

from zg_common.consumer import ConsumerSpec, IdempotentConsumer, subject_ids
from zg_common.consumer_spec import GATHER_BYTES, PROMPT_FETCH, fetch_settings
from zg_common.events import HEADER_EVENT_TYPE


def client_of(spec: ConsumerSpec) -> Any:
    consumer = IdempotentConsumer(
        spec,
        kafka="127.0.0.1:1",  # never started: only the client's settings are read
        sessions=cast(Any, None),
        schema="x",
        producer=cast(Any, None),
    )
    return consumer.consumer


async def test_a_prompt_consumer_fetches_each_event_at_once() -> None:
    client = client_of(ConsumerSpec(name="routing.dispatch", topics=("intake.case",)))
    assert (client._fetch_min_bytes, client._fetch_max_wait_ms) == (1, 500)
    await client.stop()
    assert fetch_settings(ConsumerSpec(name="a", topics=("t",))) == PROMPT_FETCH


async def test_a_gathering_consumer_lets_the_broker_wait_for_more() -> None:
    spec = ConsumerSpec(name="scoring.projection", topics=("routing.case",), gather_ms=250)
    assert fetch_settings(spec) == {"fetch_min_bytes": GATHER_BYTES, "fetch_max_wait_ms": 250}
    client = client_of(spec)
    assert (client._fetch_min_bytes, client._fetch_max_wait_ms) == (GATHER_BYTES, 250)
    await client.stop()


class Producer:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_and_wait(self, topic: str, **_: Any) -> None:
        self.sent.append(topic)


def typed(offset: int, event_type: str) -> Any:
    return SimpleNamespace(
        topic="routing.case",
        partition=0,
        offset=offset,
        key=b"k",
        value=b"not json",  # decoding it would dead-letter it
        headers=((HEADER_EVENT_TYPE, event_type.encode()),),
    )


async def test_events_of_types_without_a_handler_are_skipped_undecoded() -> None:
    async def handler(session: Any, event: Any) -> None:
        raise AssertionError("not called: the record does not decode")

    producer = Producer()
    consumer = IdempotentConsumer(
        ConsumerSpec("t.skip", ("routing.case",), {"routing.case.transitioned.v1": handler}),
        kafka="127.0.0.1:1",
        sessions=cast(Any, None),  # no transaction may be opened for skipped records
        schema="t",
        producer=cast(Any, producer),
        max_attempts=1,
    )
    try:
        other = "routing.case.dispatched.v1"
        await consumer.handle_batch([typed(0, other), typed(1, other)])
        await consumer.handle_record(typed(2, other))
        assert producer.sent == []
        await consumer.handle_record(typed(3, "routing.case.transitioned.v1"))
        assert producer.sent == ["routing.case.dlq"]  # a type it reads is decoded
    finally:
        await consumer.consumer.stop()


class PollingClient:
    """A consumer client whose one poll returns records of two partitions (and one of a
    partition moved away meanwhile), then ends the run."""

    def __init__(self, batches: dict[Any, list[Any]], owned: set[Any]) -> None:
        self.batches, self.owned = batches, owned
        self.commits: list[dict[Any, int]] = []

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def assignment(self) -> set[Any]:
        return self.owned

    async def getmany(self, **_: Any) -> dict[Any, list[Any]]:
        if self.batches:
            batches, self.batches = self.batches, {}
            return batches
        raise asyncio.CancelledError  # the run's end

    async def commit(self, offsets: dict[Any, int]) -> None:
        self.commits.append(offsets)


async def test_a_polls_records_of_every_partition_go_in_one_transaction() -> None:
    p0, p1, gone = (TopicPartition("t", p) for p in (0, 1, 2))
    records = {p0: [typed(5, "a"), typed(6, "a")], p1: [typed(9, "a")], gone: [typed(1, "a")]}
    client = PollingClient(records, owned={p0, p1})
    consumer = IdempotentConsumer(
        ConsumerSpec("t.poll", ("t",), {}),
        kafka="127.0.0.1:1",
        sessions=cast(Any, None),
        schema="t",
        producer=cast(Any, Producer()),
    )
    await consumer.consumer.stop()
    consumer.consumer = cast(Any, client)
    applied: list[list[int]] = []

    async def handle_batch(batch: Sequence[Any]) -> None:
        applied.append([r.offset for r in batch])

    consumer.handle_batch = handle_batch  # type: ignore[method-assign,assignment]
    with pytest.raises(asyncio.CancelledError):
        await consumer.run()
    assert applied == [[5, 6, 9]]  # one call: both partitions, each in its order
    assert client.commits == [{p0: 7, p1: 10}]  # one commit of both offsets


def test_subject_ids_are_the_uuids_events_are_keyed_by() -> None:
    case = uuid.uuid4()

    def keyed(subject: str, event_type: str = "a") -> Any:
        return SimpleNamespace(subject=subject, type=event_type)

    events = [keyed(str(case)), keyed("not-a-uuid"), keyed(str(case), "b"), keyed("")]
    assert subject_ids(events) == [case, case]  # a malformed subject is its handler's to refuse
    assert subject_ids(events, "b") == [case]
