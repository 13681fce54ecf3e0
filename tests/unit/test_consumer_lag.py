"""A consumer's lag on the partitions its process owns (`zg_common.consumer_lag`)."""

from __future__ import annotations

from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from zg_common.consumer_lag import LagWatch


class Client:
    """What LagWatch reads of an aiokafka consumer: its assignment and fetch state."""

    def __init__(self, ends: dict[TopicPartition, int | None], at: dict[TopicPartition, int]):
        self.ends, self.at = ends, at

    def assignment(self) -> set[TopicPartition]:
        return set(self.ends)

    def last_stable_offset(self, tp: TopicPartition) -> int | None:
        return self.ends[tp]

    def highwater(self, tp: TopicPartition) -> int | None:
        return None

    async def position(self, tp: TopicPartition) -> int:
        if tp not in self.at:
            raise RuntimeError("moved away")
        return self.at[tp]


def lag(topic: str) -> float | None:
    return REGISTRY.get_sample_value(
        "zg_consumer_lag_records", {"consumer": "test.lag", "topic": topic}
    )


async def test_the_lag_sums_the_owned_partitions_and_forgets_none() -> None:
    a0, a1, b0 = TopicPartition("a", 0), TopicPartition("a", 1), TopicPartition("b", 0)
    watch = LagWatch("test.lag", interval_s=0)
    await watch.observe(Client({a0: 120, a1: 30, b0: None}, {a0: 100, a1: 30}))
    assert lag("a") == 20  # 20 + 0; b has no fetch answered yet: not counted
    assert lag("b") is None
    await watch.observe(Client({b0: 9}, {b0: 4}))  # a's partitions moved to another replica
    assert (lag("a"), lag("b")) == (0, 5)
    await watch.observe(Client({a0: 200}, {}))  # moved away while reading: skipped, not raised
    assert lag("a") == 0


async def test_it_reads_at_most_every_interval() -> None:
    tp = TopicPartition("c", 0)
    watch = LagWatch("test.lag", interval_s=60)
    await watch.observe(Client({tp: 10}, {tp: 0}))
    await watch.observe(Client({tp: 99}, {tp: 0}))
    assert lag("c") == 10


async def test_a_client_that_cannot_say_is_no_reason_to_stop_consuming() -> None:
    class Bare:
        def assignment(self) -> set[TopicPartition]:
            return {TopicPartition("d", 0)}

    await LagWatch("test.lag", interval_s=0).observe(Bare())  # no last_stable_offset: no raise
    assert lag("d") is None


async def test_the_lag_counts_from_what_was_applied_not_what_was_fetched() -> None:
    tp = TopicPartition("e", 0)
    watch = LagWatch("test.lag", interval_s=0)
    watch.applied({tp: 40})  # committed after applying up to 39
    await watch.observe(Client({tp: 100}, {tp: 100}))  # fetched to the end already
    assert lag("e") == 60
