"""The live map's relay on a real broker: positions, the viewer's filter, resume and reset."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from tests.conftest import Infra
from tests.helpers import unique
from zg_common.contracts.feed import Viewer
from zg_common.contracts.routing import CaseTransitioned
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_common.kafka import ensure_topics
from zg_common.kafka_cluster import TopicPlan
from zg_gateway.stream import open_consumer, relay, start_position

pytestmark = pytest.mark.integration

CENTRE = Identity(sub="centre", role="dispatcher")
ROADS = Identity(sub="roads", role="department_staff", department_ids=("roads-contractor",))


def step(case: str, department: str | None, grid: str = "G01") -> CloudEvent:
    return CloudEvent.of(
        CaseTransitioned(
            case_id=case,
            action="dispatch",
            from_status="filed",
            to_status="dispatched",
            actor_role="system",
            department_id=department,
            at=datetime.now(UTC),
            grid_id=grid,
        ),
        source="test",
        subject=case,
    )


async def publish(producer: AIOKafkaProducer, topic: str, events: list[CloudEvent]) -> None:
    for event in events:
        await producer.send_and_wait(
            topic, event.to_bytes(), key=event.subject.encode(), headers=event.kafka_headers()
        )


def parse(chunk: bytes) -> list[dict[str, Any]]:
    """The SSE blocks of a chunk: {event, id, data}."""
    out = []
    for block in chunk.decode().split("\n\n"):
        if not block.strip():
            continue
        fields: dict[str, Any] = {"event": "message", "id": None, "data": None}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            if name == "data":
                fields["data"] = json.loads(value)
            elif name in ("event", "id"):
                fields[name] = value
        out.append(fields)
    return out


async def read(
    infra: Infra, topic: str, viewer: Identity, last_id: str | None, *, until: int
) -> tuple[list[dict[str, Any]], str | None]:
    """The blocks a viewer's stream sends until `until` data events arrived (or 3 s pass)."""
    consumer = await open_consumer(infra.kafka_bootstrap_servers)
    position, resumed, reset = await start_position(consumer, last_id, [topic])
    events = relay(
        Viewer(viewer),
        consumer,
        position,
        resumed=resumed,
        reset=reset,
        heartbeat_s=0.3,
        max_age_s=3,
    )
    blocks: list[dict[str, Any]] = []
    try:
        async for chunk in events:
            blocks += parse(chunk)
            ready = any(b["event"] == "ready" for b in blocks)
            data = sum(b["event"] == "message" and b["data"] is not None for b in blocks)
            if ready and data >= until:
                break
    finally:
        await events.aclose()  # type: ignore[attr-defined]
    ids = [b["id"] for b in blocks if b["id"]]
    return blocks, ids[-1] if ids else None


@pytest.fixture
async def topic(infra: Infra) -> str:
    name = unique("test.feed")
    await ensure_topics(infra.kafka_bootstrap_servers, [name], plan=TopicPlan(partitions=3))
    return name


async def test_each_viewer_gets_what_it_may_see_and_resumes_after_its_last_id(
    infra: Infra, producer: AIOKafkaProducer, topic: str
) -> None:
    start, _ = await read(infra, topic, CENTRE, None, until=0)
    assert [b["event"] for b in start if b["event"] != "message"] == ["ready"]
    first_id = start[-1]["id"]

    ours = [step(f"case-{i}", "roads-contractor") for i in range(4)]
    theirs = [step(f"other-{i}", "traffic-police") for i in range(4)]
    await publish(producer, topic, [e for pair in zip(ours, theirs, strict=True) for e in pair])

    blocks, _ = await read(infra, topic, CENTRE, first_id, until=8)
    seen = {b["data"]["data"]["case_id"] for b in blocks if b["event"] == "message" and b["data"]}
    assert seen == {f"case-{i}" for i in range(4)} | {f"other-{i}" for i in range(4)}

    blocks, last = await read(infra, topic, ROADS, first_id, until=4)
    data = [b["data"] for b in blocks if b["event"] == "message" and b["data"]]
    assert sorted(d["data"]["case_id"] for d in data) == [f"case-{i}" for i in range(4)]
    assert {d["type"] for d in data} == {CaseTransitioned.event_type}

    # from the last id on, nothing old comes again; a new event does
    await publish(producer, topic, [step("case-new", "roads-contractor")])
    blocks, _ = await read(infra, topic, ROADS, last, until=1)
    data = [b["data"] for b in blocks if b["event"] == "message" and b["data"]]
    assert [d["data"]["case_id"] for d in data] == ["case-new"]


async def test_a_position_of_another_layout_resets_to_the_end(infra: Infra, topic: str) -> None:
    blocks, _ = await read(infra, topic, CENTRE, "abc-1.2.3", until=0)
    assert [b["event"] for b in blocks][:3] == ["message", "reset", "ready"]
