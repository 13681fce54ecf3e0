"""The cluster settings against a broker secured as a managed cluster is: SASL/SCRAM over TLS,
an authorizer, and a service account whose ACLs let it read and write the platform's topics
but not create them. The topics are made by the release's step (`python -m zg_common.topics
create`, as the broker's administrator) with the plan's partitions, replication and settings;
the services, with topic creation off, check that they exist and work over the secured
listener. The broker is a private one (its own folder and ports) from the same jars."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.conftest import REPO
from tests.helpers import eventually, free_port, unique
from zg_common.consumer import ConsumerSpec, IdempotentConsumer
from zg_common.contracts import TOPICS
from zg_common.db import create_sessionmaker, unit_of_work
from zg_common.events import CloudEvent, EventContract
from zg_common.kafka import TopicsMissing, create_producer, ensure_topics
from zg_common.kafka_cluster import KafkaCluster, TopicPlan
from zg_common.outbox import Outbox, OutboxRelay
from zg_local.kafka import LocalKafka, SecuredListener
from zg_local.tls import make_tls

pytestmark = pytest.mark.integration

SERVICE = "zg-service"
PASSWORD = "a-test-password-not-a-secret"
PREFIX = "zgt."  # the topics this test's service account may use


class Noted(EventContract):
    event_type: ClassVar[str] = "zgt.note.made.v1"
    topic: ClassVar[str] = "zgt.note"
    text: str
    at: datetime


@dataclasses.dataclass
class Secured:
    kafka: LocalKafka
    service: KafkaCluster  # the service account on the secured listener

    def env(self, **settings: str) -> dict[str, str]:
        """The administrator's environment for the release's topic step (the plain listener,
        whose callers are the broker's super users here)."""
        return dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=self.kafka.bootstrap, **settings)


@pytest.fixture(scope="module")
async def secured(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Secured]:
    folder = tmp_path_factory.mktemp("secured-kafka")
    tls = make_tls(folder / "tls")
    listener = SecuredListener(free_port(), tls, users={SERVICE: PASSWORD})
    kafka = LocalKafka(
        folder, REPO / ".data" / "kafka-libs", free_port(), free_port(), secured=listener
    )
    await asyncio.to_thread(kafka.prepare)
    proc = subprocess.Popen(kafka.command(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        await kafka.wait_ready()
        # what a platform team grants the services: their topics and groups, no Create
        principal = ["--allow-principal", f"User:{SERVICE}"]
        prefixed = ("--resource-pattern-type", "prefixed")
        for resource, operations in (
            ("--topic", ("Read", "Write", "Describe")),
            ("--group", ("Read",)),
        ):
            await asyncio.to_thread(
                kafka.acl,
                "--add",
                *principal,
                *(arg for op in operations for arg in ("--operation", op)),
                resource,
                PREFIX,
                *prefixed,
            )
        yield Secured(
            kafka,
            KafkaCluster(
                kafka.secured_bootstrap,
                security_protocol="SASL_SSL",
                sasl_username=SERVICE,
                sasl_password=PASSWORD,
                ssl_cafile=str(tls.ca),
            ),
        )
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


async def topic_layout(kafka: LocalKafka, names: list[str]) -> dict[str, dict[str, Any]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(names)
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
        )
    finally:
        await admin.close()
    out: dict[str, dict[str, Any]] = {
        t["topic"]: {"partitions": len(t["partitions"])} for t in described
    }
    for response in configs:
        for _code, _msg, _type, name, entries in response.resources:
            out[name].update({e[0]: e[1] for e in entries})
    return out


async def test_the_release_step_makes_the_topics_the_services_may_not(secured: Secured) -> None:
    # the services' account may not create a topic: refused, and said so (it used to pass
    # silently: the broker answers a refused creation with an error code, not an exception)
    with pytest.raises(KafkaError, match=f"creating topic {PREFIX}refused"):
        await ensure_topics(secured.service, [f"{PREFIX}refused"], plan=TopicPlan())
    # with topic creation off, a missing topic is named, nothing is asked of the broker
    with pytest.raises(TopicsMissing, match=r"zgt\.absent"):
        await ensure_topics(secured.service, [f"{PREFIX}absent"], plan=TopicPlan(create=False))

    # the release's step, as the administrator, with the plan's settings
    plan = {"ZG_KAFKA_PARTITIONS": json.dumps({"intake.case": 6, "routing.case": 4})}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "zg_common.topics",
        "create",
        env=secured.env(ZG_KAFKA_MIN_INSYNC_REPLICAS="1", **plan),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    assert proc.returncode == 0, output.decode()
    printed = {t["topic"]: t for t in json.loads(output.decode()[output.find(b"[") :])}
    assert printed["intake.case"]["partitions"] == 6
    layout = await topic_layout(secured.kafka, [*TOPICS, "routing.case.dlq"])
    assert set(layout) >= set(TOPICS), "every topic of the platform made"
    assert layout["intake.case"]["partitions"] == 6
    assert layout["routing.case"]["partitions"] == 4
    assert layout["routing.case.dlq"]["partitions"] == 3  # a DLQ takes its own entry or 3
    assert layout["patrol.checkin"]["partitions"] == 3
    assert {t["min.insync.replicas"] for t in layout.values()} == {"1"}
    assert layout["routing.case"]["retention.ms"] == "-1", "scoring replays it: kept"
    assert layout["patrol.officer"]["retention.ms"] != "-1", "positions: the broker's default"


async def test_a_service_works_over_sasl_and_tls_with_creation_off(
    secured: Secured, engine: AsyncEngine, schema: MetaData
) -> None:
    topic = Noted.topic
    # made by the administrator, as the release's step does
    await ensure_topics(secured.kafka.bootstrap, [topic], plan=TopicPlan(partitions=2))
    plan = TopicPlan(create=False)
    await ensure_topics(secured.service, [topic], plan=plan)  # exists: passes
    sessions = create_sessionmaker(engine)
    outbox = Outbox(schema, source="/zgt")
    seen: list[str] = []

    async def note(session: AsyncSession, event: CloudEvent) -> None:
        seen.append(Noted.parse(event).text)

    producer = create_producer(secured.service, client_id=unique("zgt"))
    await producer.start()
    relay = OutboxRelay(engine, producer, outbox, service="zgt", poll_interval=0.1)
    consumer = IdempotentConsumer(
        ConsumerSpec(unique(PREFIX), [topic], {Noted.event_type: note}),
        kafka=secured.service,
        sessions=sessions,
        schema=schema.schema or "",
        producer=producer,
    )
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    try:
        async with unit_of_work(sessions) as session:
            for text in ("one", "two", "three"):
                await outbox.add(
                    session, Noted(text=text, at=datetime.now().astimezone()), subject=text
                )

        async def all_seen() -> bool | None:
            return True if sorted(seen) == ["one", "three", "two"] else None

        await eventually(all_seen, timeout=60, interval=0.2, what="the notes consumed over TLS")
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await producer.stop()


async def test_a_wrong_password_or_an_unknown_authority_is_refused(secured: Secured) -> None:
    wrong_password = dataclasses.replace(secured.service, sasl_password="not-the-password")
    no_authority = dataclasses.replace(secured.service, ssl_cafile=None)  # the system's CAs
    for cluster, why in ((wrong_password, "password"), (no_authority, "certificate")):
        producer = create_producer(cluster, client_id=unique("zgt"))
        try:
            with pytest.raises(KafkaError) as refused:
                await asyncio.wait_for(producer.start(), 30)
            print(why, repr(refused.value))
        finally:
            with contextlib.suppress(Exception):
                await producer.stop()
