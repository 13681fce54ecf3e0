"""What must hold after every fault, read from the broker and the database themselves:

- every report that got a 201 is a case in intake (or merged into one), announced once
  (`intake.case.reported.v1`) and dispatched exactly once (`routing.case.dispatched.v1`): one
  event id per case — the same event sent again by a relay that crashed before marking it sent
  is one event (consumers skip an id they have seen), two ids are two dispatches;
- no dead letter waits in any DLQ;
- no day has two automatic patrol plans, and no plan or officer's task list is announced
  twice under different event ids;
- no answer was a 5xx other than a 503 or 504 problem+json (the load's ledger).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer

from tests.chaos.load import Load
from zg_common.kafka import partitions_of
from zg_common.redrive import SUFFIX, waiting

DISPATCHED = "routing.case.dispatched.v1"
REPORTED = "intake.case.reported.v1"


async def read_topic(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every event on `topic` from its beginning to its end now."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, [topic])
        assert partitions, f"no topic {topic} on the broker"
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        events: list[dict[str, Any]] = []

        async def behind() -> bool:
            return any([await consumer.position(tp) < end for tp, end in ends.items()])

        while await behind():
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for records in batches.values():
                for record in records:
                    if record.value is not None:
                        events.append(json.loads(record.value))
        return events
    finally:
        await consumer.stop()


def ids_by(events: list[dict[str, Any]], kind: str, *fields: str) -> dict[Any, set[str]]:
    """Distinct event ids of one type, by the value of `fields` in its data."""
    out: dict[Any, set[str]] = defaultdict(set)
    for event in events:
        if event.get("type") == kind:
            key = tuple(str(event["data"].get(f)) for f in fields)
            out[key if len(key) > 1 else key[0]].add(event["id"])
    return out


async def dead_letters(bootstrap: str) -> dict[str, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        topics = await consumer.topics()
    finally:
        await consumer.stop()
    originals = sorted(t.removesuffix(SUFFIX) for t in topics if t.endswith(SUFFIX))
    return {dlq: n for dlq, n in (await waiting(bootstrap, originals)).items() if n}


async def _intake_cases(database_url: str, ids: list[str]) -> tuple[set[str], set[str]]:
    """Of `ids`: those intake has, and those merged into another case."""
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT id::text AS id, merged_into_id IS NOT NULL AS merged "
            "FROM intake.cases WHERE id = ANY($1::uuid[])",
            ids,
        )
        return {r["id"] for r in rows}, {r["id"] for r in rows if r["merged"]}
    finally:
        await conn.close()


async def _plans(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT day::text AS day, count(*) AS n FROM patrol.plan_run "
            "WHERE generated_by = 'patrol:daily-plan' GROUP BY day"
        )
        return {r["day"]: int(r["n"]) for r in rows}
    finally:
        await conn.close()


async def check(
    load: Load, database_url: str, bootstrap: str, *, drain_s: float = 180
) -> list[str]:
    """The problems with what the platform accepted so far (empty: every invariant holds).
    Waits up to `drain_s` for the cases accepted before the call to be dispatched."""
    accepted = sorted(set(load.accepted.values()))
    deadline = time.monotonic() + drain_s
    while True:
        known, merged = await _intake_cases(database_url, accepted)
        routing = await read_topic(bootstrap, "routing.case")
        dispatched = ids_by(routing, DISPATCHED, "case_id")
        waiting_for = [c for c in accepted if c not in merged and c not in dispatched]
        if not waiting_for or time.monotonic() > deadline:
            break
        await asyncio.sleep(2)
    problems = [f"no case in intake for the 201 of {c}" for c in accepted if c not in known]
    problems += [f"accepted but never dispatched: {c}" for c in waiting_for]
    problems += [
        f"dispatched {len(dispatched[c])} times: {c}" for c in accepted if len(dispatched[c]) > 1
    ]
    problems += [f"merged, yet dispatched on its own: {c}" for c in merged if dispatched[c]]
    reported = ids_by(await read_topic(bootstrap, "intake.case"), REPORTED, "case_id")
    problems += [
        f"reported {len(reported[c])} times: {c}" for c in accepted if len(reported[c]) > 1
    ]
    if letters := await dead_letters(bootstrap):
        problems.append(f"dead letters waiting: {letters}")
    problems += [
        f"{n} automatic plans of {day}" for day, n in (await _plans(database_url)).items() if n > 1
    ]
    plan = await read_topic(bootstrap, "patrol.plan")
    for kind, fields in (
        ("patrol.plan.generated.v1", ("day", "version")),
        ("patrol.plan.officer_tasks.v1", ("day", "badge", "shift", "version")),
        ("patrol.plan.tasks_assigned.v1", ("day", "badge", "shift", "version")),
    ):
        problems += [
            f"{kind} {key} announced {len(ids)} times"
            for key, ids in ids_by(plan, kind, *fields).items()
            if len(ids) > 1
        ]
    problems += load.violations
    return problems
