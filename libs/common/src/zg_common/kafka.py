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
from aiokafka.errors import TopicAlreadyExistsError, for_code

from zg_common.consumer import dlq_topic
from zg_common.contracts.scoring import REPLAYED_TOPICS
from zg_common.kafka_cluster import Kafka, TopicPlan, cluster_of
from zg_common.settings import CommonSettings

log = logging.getLogger(__name__)


class TopicsMissing(RuntimeError):
    """Topics this process uses do not exist, and it may not create them."""


def create_producer(kafka: Kafka, *, client_id: str) -> AIOKafkaProducer:
    # enable_idempotence forces acks=all; aiokafka's default alone would be acks=1.
    return AIOKafkaProducer(
        **cluster_of(kafka).client(),
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


def admin_client(kafka: Kafka) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(**cluster_of(kafka).client(), client_id="zg-admin")


async def ensure_topics(
    kafka: Kafka,
    topics: Iterable[str],
    *,
    plan: TopicPlan,
    kept: Collection[str] = (),
) -> None:
    """Create the topics (and their DLQs) that do not exist yet, as the plan lays them out; the
    broker does not auto-create. The `kept` ones are kept without a time limit: created so, and
    set so if they exist (a topic created before it was kept). With the plan's `create` off
    (ACLs forbid it), only check that they exist: `TopicsMissing` names those that do not."""
    names = topics_with_dlq(topics)
    if not names:
        return
    admin = admin_client(kafka)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if not plan.create:
            if missing:
                raise TopicsMissing(
                    f"topics missing and ZG_KAFKA_CREATE_TOPICS is off: {', '.join(missing)} "
                    "(create them with `python -m zg_common.topics create`)"
                )
            return
        to_keep = [n for n in names if n in existing and n in kept]
        if to_keep:
            await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, n, KEEP_FOREVER) for n in to_keep]
            )
        if not missing:
            return
        response = await admin.create_topics(
            [
                NewTopic(
                    n,
                    num_partitions=plan.partitions_of(n),
                    replication_factor=plan.replication_factor,
                    topic_configs=plan.configs(n, kept=n in kept) or None,
                )
                for n in missing
            ]
        )
        _raise_refusals(response.topic_errors)
        log.info("topics created", extra={"topics": missing})
        # Metadata propagates asynchronously even on one broker.
        for _ in range(50):
            if set(missing) <= set(await admin.list_topics()):
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


def _raise_refusals(topic_errors: Iterable[tuple[Any, ...]]) -> None:
    """The broker answers each topic's creation with an error code, never by raising: a topic
    another process created first is fine, anything else (no right to create, a replication
    factor above the brokers' count, a bad setting) is raised."""
    for topic, code, *message in topic_errors:
        error = for_code(code)
        if code == 0 or error is TopicAlreadyExistsError:
            continue
        raise error(f"creating topic {topic}: {''.join(str(m) for m in message if m)}")


async def end_offsets(kafka: Kafka, topics: Iterable[str]) -> dict[Any, int]:
    """Where each partition of these topics ends now (its next offset)."""
    reader = AIOKafkaConsumer(**cluster_of(kafka).client(), group_id=None)
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


async def group_behind(kafka: Kafka, group_id: str, ends: dict[Any, int]) -> int:
    """How many records before `ends` (from `end_offsets`) the consumer group has not
    committed yet, over all partitions whichever replica owns them (a partition it never
    committed counts whole). 0: everything published before `ends` was taken is applied; a
    group that keeps up gets there even while new events keep coming."""
    admin = admin_client(kafka)
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
        producer = create_producer(settings.kafka, client_id=client_id)
        try:
            await ensure_topics(
                settings.kafka, topics, plan=settings.topic_plan, kept=REPLAYED_TOPICS
            )
            await producer.start()
            return producer
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await producer.stop()
            raise
        except Exception as exc:
            if isinstance(exc, TopicsMissing):  # a release step not done yet: say what is missing
                log.error(str(exc), extra={"retry_in_s": delay})
            else:
                log.warning("kafka not ready yet", extra={"error": repr(exc), "retry_in_s": delay})
            if on_retry is not None:
                on_retry()
            with contextlib.suppress(Exception):
                await producer.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
