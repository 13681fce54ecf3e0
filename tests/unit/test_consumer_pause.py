"""A consumer that dead-letters every recent event pauses before the next one (a cause that
spoils every event — a broken deployment, missing reference data — would otherwise empty the
whole topic into the dead-letter topic), and says so to `/readyz`; a success resets it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

from aiokafka import TopicPartition

from zg_common.consumer import ConsumerSpec, IdempotentConsumer


class Producer:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_and_wait(self, topic: str, **_: Any) -> None:
        self.sent.append(topic)


def record(offset: int) -> Any:
    return SimpleNamespace(
        topic="intake.case", partition=0, offset=offset, key=b"k", value=b"not json", headers=()
    )


async def test_dead_letters_in_a_row_pause_the_consumer() -> None:
    producer = Producer()
    consumer = IdempotentConsumer(
        ConsumerSpec("t.pause", ["intake.case"], {}),
        kafka="127.0.0.1:9",  # never connected in this test
        sessions=cast(Any, None),
        schema="t",
        producer=cast(Any, producer),
        pause_after=3,
        pause_s=0.3,
    )
    try:
        await pauses(consumer, producer)
    finally:
        await consumer.consumer.stop()  # the Kafka client, never started


async def pauses(consumer: IdempotentConsumer, producer: Producer) -> None:
    for n in range(3):
        await consumer.handle_record(record(n))
    assert producer.sent == ["intake.case.dlq"] * 3 and not consumer.paused
    next_one = asyncio.create_task(consumer.handle_record(record(3)))
    await asyncio.sleep(0.1)
    assert consumer.paused and not next_one.done() and len(producer.sent) == 3
    await next_one
    assert len(producer.sent) == 4 and not consumer.paused
    consumer.brake.applied()  # what an applied event does
    started = asyncio.get_running_loop().time()
    await consumer.handle_record(record(5))
    assert asyncio.get_running_loop().time() - started < 0.2, "no pause after a success"


PARTITION = TopicPartition("intake.case", 0)


class MovingClient:
    """A Kafka client whose partition moves to another member during each batch."""

    def __init__(self, assigned: bool) -> None:
        self.assigned = assigned
        self.polls = 0
        self.commits = 0
        self.more = asyncio.Event()

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def assignment(self) -> set[Any]:
        return {PARTITION} if self.assigned else set()

    async def getmany(self, **_: Any) -> dict[Any, list[Any]]:
        self.polls += 1
        if self.polls > 2:
            await self.more.wait()  # until cancelled
        return {PARTITION: [record(self.polls)]}

    async def commit(self, offsets: dict[Any, int]) -> None:
        from aiokafka.errors import IllegalStateError

        self.commits += 1
        raise IllegalStateError("Partition intake.case-0 is not assigned")


async def test_a_partition_that_moves_during_a_batch_does_not_stop_the_consumer() -> None:
    """The commit of a partition taken away meanwhile raises IllegalStateError in aiokafka:
    the consumer goes on (it crash-looped before); a batch of a partition no longer assigned
    is left to its new owner."""
    for assigned, applied in ((True, 2), (False, 0)):
        consumer = IdempotentConsumer(
            ConsumerSpec("t.moving", ["intake.case"], {}),
            kafka="127.0.0.1:9",
            sessions=cast(Any, None),
            schema="t",
            producer=cast(Any, Producer()),
        )
        await consumer.consumer.stop()  # the real client, never started
        client = MovingClient(assigned)
        consumer.consumer = cast(Any, client)
        batches: list[int] = []

        async def handle_batch(records: Any, batches: list[int] = batches) -> None:
            batches.append(len(records))

        consumer.handle_batch = handle_batch  # type: ignore[method-assign]
        running = asyncio.create_task(consumer.run())
        while client.polls < 3 and not running.done():
            await asyncio.sleep(0.01)
        assert not running.done(), running.exception()
        running.cancel()
        assert len(batches) == applied and client.commits == applied
