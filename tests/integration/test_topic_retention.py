"""The topics scoring replays are kept without a time limit wherever topics are created (every
service's topic setup: `make run`, the tests, compose, a cluster), including topics that
existed before they were kept; other topics keep the broker's default."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from tests.conftest import Infra
from tests.helpers import unique
from zg_common.contracts.scoring import REPLAYED_TOPICS
from zg_common.kafka import ensure_topics
from zg_common.kafka_cluster import TopicPlan

pytestmark = pytest.mark.integration


async def retention(bootstrap: str, topics: list[str]) -> dict[str, str | None]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses: list[Any] = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t) for t in topics]
        )
    finally:
        await admin.close()
    out: dict[str, str | None] = {}
    for response in responses:
        for _code, _message, _kind, name, entries in response.resources:
            out[name] = next((e[1] for e in entries if e[0] == "retention.ms"), None)
    return out


async def test_replayed_topics_are_kept_forever_and_others_are_not(infra: Infra) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    kept, other, older = unique("test.kept"), unique("test.other"), unique("test.older")
    await ensure_topics(
        bootstrap, [older], plan=TopicPlan(partitions=1)
    )  # created before it was kept
    await ensure_topics(
        bootstrap, [kept, other, older], plan=TopicPlan(partitions=1), kept={kept, older}
    )
    found = await retention(bootstrap, [kept, other, older])
    assert found[kept] == "-1" and found[older] == "-1"
    assert found[other] != "-1"


async def test_the_platform_s_replayed_topics_are_kept(infra: Infra) -> None:
    await ensure_topics(
        infra.kafka_bootstrap_servers,
        REPLAYED_TOPICS,
        plan=TopicPlan(partitions=3),
        kept=REPLAYED_TOPICS,
    )
    found = await retention(infra.kafka_bootstrap_servers, list(REPLAYED_TOPICS))
    assert found == dict.fromkeys(REPLAYED_TOPICS, "-1")


async def test_a_group_is_behind_by_what_it_has_not_committed(infra: Infra) -> None:
    """What the monthly close waits on: 0 only when the group has applied everything."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from aiokafka.errors import GroupCoordinatorNotAvailableError
    from aiokafka.structs import OffsetAndMetadata

    from zg_common.kafka import end_offsets, group_behind

    bootstrap = infra.kafka_bootstrap_servers
    topic, group = unique("test.lag"), unique("test-lag-group")
    await ensure_topics(bootstrap, [topic], plan=TopicPlan(partitions=1))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for n in range(5):
            await producer.send_and_wait(topic, f"{n}".encode())
    finally:
        await producer.stop()

    async def lag() -> int:
        for _ in range(40):  # a fresh broker elects its group coordinator at first use
            try:
                return await group_behind(bootstrap, group, ends)
            except GroupCoordinatorNotAvailableError:
                await asyncio.sleep(0.25)
        raise AssertionError("no group coordinator")

    ends = await end_offsets(bootstrap, [topic])
    assert list(ends.values()) == [5]
    assert await lag() == 5, "never committed: all of it"
    # no auto-commit: stopping would commit the partition's position (its end, once the
    # consumer has looked it up in the background) over the 3 (a race: this failed once)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(3, "")})
    finally:
        await consumer.stop()
    assert await lag() == 2
    # records published after the ends were taken do not hold it back
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"later")
    finally:
        await producer.stop()
    assert await lag() == 2
