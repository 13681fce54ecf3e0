"""The Kafka cluster's settings and the topic plan (`zg_common.kafka_cluster`): the same names
in make run, compose and the chart; the broker's refusals to create a topic are raised."""

from __future__ import annotations

import pytest
from aiokafka.errors import TopicAuthorizationFailedError

from zg_common.kafka import _raise_refusals
from zg_common.kafka_cluster import KafkaCluster, TopicPlan
from zg_common.settings import CommonSettings


def test_the_settings_name_the_cluster_and_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9093,kafka-2:9093",
        "ZG_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "ZG_KAFKA_SASL_USERNAME": "zg-intake",
        "ZG_KAFKA_SASL_PASSWORD": "s3cret",
        "ZG_KAFKA_REPLICATION_FACTOR": "3",
        "ZG_KAFKA_MIN_INSYNC_REPLICAS": "2",
        "ZG_KAFKA_CREATE_TOPICS": "false",
        "ZG_KAFKA_PARTITIONS": '{"intake.case": 12}',
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = CommonSettings()
    assert settings.kafka.client()["sasl_plain_username"] == "zg-intake"
    assert "s3cret" not in repr(settings.kafka)
    plan = settings.topic_plan
    assert (plan.replication_factor, plan.min_insync_replicas, plan.create) == (3, 2, False)
    assert plan.partitions_of("intake.case") == 12 and plan.partitions_of("patrol.checkin") == 3
    assert settings.kafka_environment()["ZG_KAFKA_SASL_PASSWORD"] == "s3cret"
    child = dict(settings.kafka_environment())
    for name, value in child.items():
        monkeypatch.setenv(name, value)
    assert CommonSettings().kafka == settings.kafka  # a child process reads the same cluster


def test_a_plan_refuses_what_a_cluster_would() -> None:
    with pytest.raises(ValueError, match="between 1 and the replication factor"):
        TopicPlan(replication_factor=1, min_insync_replicas=2)
    with pytest.raises(ValueError, match="at least one partition"):
        TopicPlan(per_topic={"intake.case": 0})
    with pytest.raises(ValueError, match="SASL_USERNAME"):
        KafkaCluster("k:9093", security_protocol="SASL_SSL")
    plain = KafkaCluster("k:9092").client()
    assert plain == {"bootstrap_servers": "k:9092", "security_protocol": "PLAINTEXT"}
    assert TopicPlan(min_insync_replicas=1).configs("routing.case", kept=True) == {
        "min.insync.replicas": "1",
        "retention.ms": "-1",
    }


def test_a_refused_creation_is_raised_and_one_made_first_elsewhere_is_not() -> None:
    _raise_refusals([("a", 0, None), ("b", 36, "Topic 'b' already exists.")])
    with pytest.raises(TopicAuthorizationFailedError, match="creating topic c"):
        _raise_refusals([("a", 0, None), ("c", 29, "Authorization failed.")])
