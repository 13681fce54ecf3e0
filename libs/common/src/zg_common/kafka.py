"""Kafka clients as every service uses them: idempotent producer, topics created up front."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError

from zg_common.consumer import dlq_topic
from zg_common.contracts.scoring import REPLAYED_TOPICS
from zg_common.settings import CommonSettings

log = logging.getLogger(__name__)


def create_producer(bootstrap_servers: str, *, client_id: str) -> AIOKafkaProducer:
    # enable_idempotence forces acks=all; aiokafka's default alone would be acks=1.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        request_timeout_ms=15000,
    )


def topics_with_dlq(topics: Iterable[str]) -> list[str]:
    names = set()
    for topic in topics:
        names.add(topic)
        names.add(dlq_topic(topic))
    return sorted(names)


# the topic setting of a topic kept without a time limit (an event log projections replay)
KEEP_FOREVER = {"retention.ms": "-1"}


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    kept: Collection[str] = (),
) -> None:
    """Create the topics (and their DLQs) that do not exist yet; the broker does not auto-create.
    The `kept` ones are kept without a time limit: created so, and set so if they exist (a
    topic created before it was kept)."""
    names = topics_with_dlq(topics)
    if not names:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="zg-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        to_keep = [n for n in names if n in existing and n in kept]
        if to_keep:
            await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, n, KEEP_FOREVER) for n in to_keep]
            )
        if not missing:
            return
        with contextlib.suppress(TopicAlreadyExistsError):  # another service was first
            await admin.create_topics(
                [
                    NewTopic(
                        n,
                        num_partitions=partitions,
                        replication_factor=1,
                        topic_configs=KEEP_FOREVER if n in kept else None,
                    )
                    for n in missing
                ]
            )
        log.info("topics created", extra={"topics": missing})
        # Metadata propagates asynchronously even on one broker.
        for _ in range(50):
            if set(missing) <= set(await admin.list_topics()):
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


async def end_offsets(bootstrap_servers: str, topics: Iterable[str]) -> dict[Any, int]:
    """Where each partition of these topics ends now (its next offset)."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=None)
    await reader.start()
    try:
        partitions = await partitions_of(reader, topics)
        return dict(await reader.end_offsets(partitions)) if partitions else {}
    finally:
        await reader.stop()


async def partitions_of(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of these topics as the broker has them now, in order (the consumer's
    `partitions_for_topic` knows only what its own metadata fetched so far)."""
    cluster = await consumer._client.fetch_all_metadata()
    return [
        TopicPartition(t, p) for t in topics for p in sorted(cluster.partitions_for_topic(t) or ())
    ]


async def group_behind(bootstrap_servers: str, group_id: str, ends: dict[Any, int]) -> int:
    """How many records before `ends` (from `end_offsets`) the consumer group has not
    committed yet, over all partitions whichever replica owns them (a partition it never
    committed counts whole). 0: everything published before `ends` was taken is applied; a
    group that keeps up gets there even while new events keep coming."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="zg-admin")
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group_id)
    finally:
        await admin.close()
    behind = 0
    for tp, end in ends.items():
        done = committed.get(tp)
        behind += max(end - (done.offset if done is not None else 0), 0)
    return behind


async def broker_reachable(producer: AIOKafkaProducer, *, timeout: float = 2.0) -> bool:
    try:
        return bool(await asyncio.wait_for(producer.client.force_metadata_update(), timeout))
    except Exception:
        return False


async def connect_producer(
    settings: CommonSettings,
    topics: set[str],
    *,
    client_id: str,
    on_retry: Callable[[], None] | None = None,
) -> AIOKafkaProducer:
    """A started producer once Kafka answers and `topics` exist (retrying, 0.5 s doubling to
    10 s: the HTTP side and the outbox work without the broker meanwhile)."""
    delay = 0.5
    while True:
        producer = create_producer(settings.kafka_bootstrap_servers, client_id=client_id)
        try:
            await ensure_topics(
                settings.kafka_bootstrap_servers,
                topics,
                partitions=settings.kafka_topic_partitions,
                kept=REPLAYED_TOPICS,
            )
            await producer.start()
            return producer
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await producer.stop()
            raise
        except Exception as exc:
            log.warning("kafka not reachable yet", extra={"error": repr(exc), "retry_in_s": delay})
            if on_retry is not None:
                on_retry()
            with contextlib.suppress(Exception):
                await producer.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
