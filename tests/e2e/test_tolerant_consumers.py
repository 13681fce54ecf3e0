"""A producer one version ahead: every consumer group of the platform takes events that carry a
field it does not know (and a value it does not know), records them as processed, and sends
none to a dead-letter topic. So adding a field, a channel or an action is not a breaking
change for a consumer not yet redeployed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from tests.conftest import REPO, Infra
from tests.e2e.support import a_free_point, report_and_wait_dispatched
from tests.helpers import eventually
from zg_common.contracts import contract_for
from zg_common.db import to_asyncpg_dsn
from zg_common.events import CloudEvent
from zg_common.refdata import RefData
from zg_common.territory import read_grids

AHEAD = {"added_in_a_later_version": {"any": ["shape"]}}
# every consumer group and its service's schema (scoring's projection keeps no processed-event
# record: its facts are keyed by the event id)
GROUPS = {
    "intake.case-status": "intake",
    "intake.territory": "intake",
    "intake.camera-alarms": "intake",
    "routing.dispatch": "routing",
    "routing.territory": "routing",
    "patrol.case-tasks": "patrol",
    "video-index.case-cameras": "video_index",
    "video-index.territory": "video_index",
}


async def published(infra: Infra, topic: str, event_type: str, subject: str) -> dict[str, Any]:
    """The newest event of a type for a subject that the platform published on a topic."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=infra.kafka_bootstrap_servers,
        group_id=f"e2e-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: dict[str, Any] | None = None
    try:
        for _ in range(20):
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for r in records:
                    event = json.loads(r.value or b"{}")
                    if event.get("type") == event_type and event.get("subject") == subject:
                        found = event
            if found is not None and not batches:
                break
    finally:
        await consumer.stop()
    assert found is not None, f"no {event_type} for {subject} on {topic}"
    return found


def ahead_of(event: dict[str, Any], **data: Any) -> CloudEvent:
    """The event again as a producer one version ahead would send it: a new id, a field this
    version's contract does not have (and whatever else `data` changes)."""
    contract = contract_for(event["type"])
    assert contract is not None
    return CloudEvent(
        source=event["source"],
        type=event["type"],
        subject=event["subject"],
        correlationid=event.get("correlationid"),
        data={**event["data"], **data, **AHEAD},
    )


async def test_every_consumer_takes_an_event_from_a_later_version(
    api: httpx.AsyncClient, infra: Infra, e2e_database: str
) -> None:
    place = a_free_point("shop")
    lon, lat = place["geometry"]["coordinates"]
    case = await report_and_wait_dispatched(
        api, {"category": "E0402", "lat": lat, "lon": lon, "description": "Stall, later version"}
    )
    now = datetime.now(UTC).isoformat()
    reported = await published(infra, "intake.case", "intake.case.reported.v1", case["id"])
    step = await published(infra, "routing.case", "routing.case.transitioned.v1", case["id"])
    g01 = next(
        g for g in read_grids(RefData(REPO / "deploy" / "data" / "fangxing")) if g.id == "G01"
    )
    grid = {
        "source": "/zongguan/patrol",
        "type": "patrol.territory.changed.v1",
        "subject": "grid/G01",
        "data": {"subject": "grid/G01", "change": "updated", "grid": g01.model_dump()},
    }
    ahead = [
        # routing knows the case already, the video index links it again (idempotently)
        ahead_of(reported),
        # an action this version does not know, the status unchanged: intake notes it, scoring
        # counts nothing, patrol settles no task
        ahead_of(
            step,
            action="escalate_to_mayor",
            from_status=case["status"],
            to_status=case["status"],
            at=now,
        ),
        ahead_of(grid, at=now),
        CloudEvent(
            source="/zongguan/patrol",
            type="patrol.officer.position_reported.v1",
            subject="ZG001",
            data={
                "badge": "ZG001",
                "grid_id": "G01",
                "shift": "day",
                "lat": lat,
                "lon": lon,
                "accuracy_m": 8.0,
                "at": now,
                **AHEAD,
            },
        ),
        CloudEvent(
            source="/zongguan/video-index",
            type="video.camera.alarm_raised.v1",
            subject="TW-00001",
            data={
                "alarm_id": f"later:{uuid.uuid4().hex}",
                "camera_id": "TW-00001",
                "category": "E0402",
                "lat": lat,
                "lon": lon,
                "detected_at": now,
                "confidence": 0.9,
                "snapshot_url": None,
                "description": "",
                **AHEAD,
            },
        ),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap_servers)
    await producer.start()
    try:
        for event in ahead:
            contract = contract_for(event.type)
            assert contract is not None
            await producer.send_and_wait(
                contract.topic, event.to_bytes(), key=event.subject.encode(),
                headers=event.kafka_headers(),
            )  # fmt: skip
    finally:
        await producer.stop()

    ids = [e.id for e in ahead]
    db = await asyncpg.connect(to_asyncpg_dsn(e2e_database))
    try:

        async def every_group_processed() -> set[str] | None:
            done = set()
            facts = await db.fetch(
                "SELECT event_id FROM scoring.case_step WHERE event_id = ANY($1::text[]) "
                "UNION ALL SELECT event_id FROM scoring.case_report WHERE event_id = ANY($1)",
                ids,
            )
            if len(facts) == 2:
                done.add("scoring.projection")
            # the body cameras' consumer takes a poll as a batch (no processed-event rows): the
            # officer's body camera is where the later-version position put it
            moved = await db.fetchval(
                "SELECT position_at FROM video_index.camera WHERE id = 'JL-ZG001'"
            )
            if moved == datetime.fromisoformat(now):
                done.add("video-index.body-cameras")
            for group, schema in GROUPS.items():
                rows = await db.fetch(
                    f"SELECT event_id FROM {schema}.processed_event "
                    "WHERE consumer = $1 AND event_id = ANY($2::text[])",
                    group,
                    ids,
                )
                if rows:
                    done.add(group)
            expected = {*GROUPS, "scoring.projection", "video-index.body-cameras"}
            return done if done == expected else None

        await eventually(
            every_group_processed, timeout=30, interval=0.5, what="every group took them"
        )
        history = await db.fetchval(
            "SELECT count(*) FROM intake.case_status_change WHERE event_id = $1", ahead[1].id
        )
        assert history == 1, "intake noted the step it does not know"
    finally:
        await db.close()
