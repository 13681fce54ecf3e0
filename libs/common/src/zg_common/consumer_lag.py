"""How far behind the broker each consumer is: `zg_consumer_lag_records{consumer, topic}`, the
records of the partitions this process owns that it has not applied yet (the read-committed end
of each partition, which the consumers read to, minus the offset this process last committed
there after applying — not the fetch position, which runs ahead of the work by a poll and the
client's prefetch). Each replica
reports its own partitions, so `sum by (consumer)` over the replicas is the group's lag; a
partition that moved away counts 0 here and its lag on the replica that took it. Read at most
every few seconds from what the client already knows (no request to the broker)."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from prometheus_client import Gauge

INTERVAL_S = 5.0
LAG = Gauge(
    "zg_consumer_lag_records",
    "Records not yet taken by this consumer on the partitions this process owns, by topic",
    ["consumer", "topic"],
)


class LagWatch:
    def __init__(self, consumer: str, interval_s: float = INTERVAL_S) -> None:
        self.consumer = consumer
        self.interval_s = interval_s
        self._next = 0.0
        self._topics: set[str] = set()
        self._applied: dict[Any, int] = {}

    def applied(self, offsets: dict[Any, int]) -> None:
        """The offsets just committed (each partition's next record to apply)."""
        self._applied.update(offsets)

    async def observe(self, client: Any) -> None:
        """Set the gauge from an aiokafka consumer's fetch state (at most every interval)."""
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self.interval_s
        behind: dict[str, int] = defaultdict(int)
        try:
            assigned = list(client.assignment())
            for tp in assigned:
                end = client.last_stable_offset(tp)
                if end is None:
                    end = client.highwater(tp)
                if end is None:  # no fetch answered for it yet
                    continue
                done = self._applied.get(tp)
                if done is None:  # nothing committed here yet: where the client stands
                    try:
                        done = await client.position(tp)
                    except Exception:  # the partition moved away meanwhile
                        continue
                behind[tp.topic] += max(0, end - done)
        except Exception:  # a metric never stops the consumer: the gauge keeps its values
            return
        for topic in self._topics | behind.keys():
            LAG.labels(self.consumer, topic).set(behind.get(topic, 0))
        self._topics |= behind.keys()
