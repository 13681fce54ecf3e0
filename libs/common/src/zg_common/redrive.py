"""Dead letters back where they came from, once their cause is fixed.

A consumer sends an event it cannot apply to `<topic>.dlq` with the reason in its headers
(`zg_common.consumer`). When the cause is fixed (a handler's bug, reference data that was
missing), `python -m zg_common.redrive` (`make redrive`) publishes each dead letter again to
its original topic with its key (so to its partition), and commits its place in the DLQ under
the consumer group `zg-redrive`: each dead letter goes back once, a redrive interrupted midway
sends at most a few twice, and every consumer is idempotent by event id, so the groups that had
applied the event skip it and the one that failed applies it. Only the dead letters that were
there when it started are moved (one that fails again comes back to the DLQ and waits for the
next redrive, with its count of redrives in the `zg_redrives` header). `--list` shows what waits
without moving anything.

What waits is a gauge, `zg_dead_letters_waiting{topic}` (each service for the topics it
consumes, every minute), with an alert rule in `deploy/prometheus/alerts.yaml`."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer
from prometheus_client import Gauge

from zg_common.consumer import dlq_topic
from zg_common.kafka import create_producer, end_offsets, group_behind
from zg_common.kafka_cluster import Kafka, cluster_of
from zg_common.settings import CommonSettings

GROUP = "zg-redrive"
SUFFIX = ".dlq"
DEAD_LETTERS_WAITING = Gauge(
    "zg_dead_letters_waiting",
    "Dead letters not yet redriven, per dead-letter topic",
    ["topic"],
)


@dataclass
class Summary:
    moved: Counter[str] = field(default_factory=Counter)  # per original topic
    reasons: Counter[str] = field(default_factory=Counter)  # consumer: first line of the error
    waiting: dict[str, int] = field(default_factory=dict)  # per DLQ, before

    def as_dict(self) -> dict[str, Any]:
        return {
            "waiting": self.waiting,
            "redriven": dict(self.moved),
            "reasons": dict(self.reasons.most_common(20)),
        }


async def waiting(kafka: Kafka, topics: Iterable[str]) -> dict[str, int]:
    """Per dead-letter topic of `topics`: how many dead letters have not been redriven."""
    dlqs = sorted({dlq_topic(t) for t in topics})
    ends = await end_offsets(kafka, dlqs)
    out = {}
    for dlq in dlqs:
        part = {tp: end for tp, end in ends.items() if tp.topic == dlq}
        out[dlq] = await group_behind(kafka, GROUP, part) if part else 0
    return out


async def watch(kafka: Kafka, topics: Sequence[str], interval_s: float = 60) -> None:
    """Background loop of a service: the gauge for the DLQs of the topics it consumes."""
    while True:
        try:
            for dlq, count in (await waiting(kafka, topics)).items():
                DEAD_LETTERS_WAITING.labels(dlq).set(count)
        except asyncio.CancelledError:
            raise
        except Exception:  # the broker away: the gauge keeps its last value
            pass
        await asyncio.sleep(interval_s)


def _header(headers: Sequence[tuple[str, bytes]] | None, name: str) -> str:
    for key, value in headers or ():
        if key == name:
            return value.decode("utf-8", "replace")
    return ""


async def redrive(kafka: Kafka, topics: Iterable[str], *, move: bool = True) -> Summary:
    """Send the dead letters of `topics` (original topics) back, or only count them
    (`move=False`)."""
    dlqs = sorted({dlq_topic(t) for t in topics})
    summary = Summary(waiting=await waiting(kafka, [t.removesuffix(SUFFIX) for t in dlqs]))
    ends = await end_offsets(kafka, dlqs)
    todo = {tp: end for tp, end in ends.items() if summary.waiting.get(tp.topic)}
    if not todo:
        return summary
    reader = AIOKafkaConsumer(
        **cluster_of(kafka).client(),
        group_id=GROUP,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id="zg-redrive",
    )
    producer = create_producer(kafka, client_id="zg-redrive")
    await reader.start()
    await producer.start()
    try:
        reader.assign(list(todo))  # from the group's committed place, or the beginning
        remaining = {tp for tp, end in todo.items() if await reader.position(tp) < end}
        while remaining:
            batches = await reader.getmany(*remaining, timeout_ms=1000, max_records=500)
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= todo[tp]:
                        break
                    original = _header(record.headers, "dlq_original_topic")
                    first_line = _header(record.headers, "dlq_exception").splitlines()[:1]
                    summary.reasons[
                        f"{_header(record.headers, 'dlq_consumer')}: {''.join(first_line)[:200]}"
                    ] += 1
                    if not move or not original:
                        continue
                    count = int(_header(record.headers, "zg_redrives") or 0) + 1
                    headers = [
                        (k, v)
                        for k, v in record.headers or ()
                        if not k.startswith("dlq_") and k != "zg_redrives"
                    ] + [("zg_redrives", str(count).encode())]
                    await producer.send_and_wait(
                        original, value=record.value, key=record.key, headers=headers
                    )
                    summary.moved[original] += 1
                if move and records:
                    last = min(records[-1].offset + 1, todo[tp])
                    await reader.commit({tp: last})
            remaining = {tp for tp in remaining if await reader.position(tp) < todo[tp]}
    finally:
        await reader.stop()
        await producer.stop()
    return summary


async def _topics_with_dead_letters(kafka: Kafka) -> list[str]:
    reader = AIOKafkaConsumer(**cluster_of(kafka).client(), group_id=None)
    await reader.start()
    try:
        names = await reader.topics()
    finally:
        await reader.stop()
    return sorted(t.removesuffix(SUFFIX) for t in names if t.endswith(SUFFIX))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zg_common.redrive",
        description="Send dead-lettered events back to their topics once their cause is fixed.",
    )
    parser.add_argument(
        "topics",
        nargs="*",
        help="original topics (e.g. routing.case.transitioned.v1); default: every topic "
        "with a dead-letter topic",
    )
    parser.add_argument(
        "--bootstrap",
        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS, or make run's "
        "broker at 127.0.0.1:19092); the connection's security comes from ZG_KAFKA_*",
    )
    parser.add_argument("--list", action="store_true", help="count what waits, move nothing")
    args = parser.parse_args(argv)

    kafka = CommonSettings().kafka
    if args.bootstrap:
        kafka = dataclasses.replace(kafka, bootstrap_servers=args.bootstrap)

    async def run() -> Summary:
        topics = args.topics or await _topics_with_dead_letters(kafka)
        return await redrive(kafka, topics, move=not args.list)

    summary = asyncio.run(run())
    json.dump(summary.as_dict(), sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
