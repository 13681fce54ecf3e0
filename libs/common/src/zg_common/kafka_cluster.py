"""How a process reaches the Kafka cluster and how the platform's topics are laid out on it.

The same settings in `make run`, compose and the Helm chart (`CommonSettings`, `ZG_KAFKA_*`):

- where and how to connect: `KAFKA_BOOTSTRAP_SERVERS`, `ZG_KAFKA_SECURITY_PROTOCOL` (PLAINTEXT,
  SSL, SASL_PLAINTEXT, SASL_SSL), `ZG_KAFKA_SASL_MECHANISM` (SCRAM-SHA-512, SCRAM-SHA-256 or
  PLAIN), `ZG_KAFKA_SASL_USERNAME`, `ZG_KAFKA_SASL_PASSWORD`, and for TLS `ZG_KAFKA_SSL_CAFILE`
  (the system's CAs when unset) with an optional client certificate `ZG_KAFKA_SSL_CERTFILE` /
  `ZG_KAFKA_SSL_KEYFILE` — `KafkaCluster`, whose `client()` every Kafka client of the platform
  is built with;
- how topics are made: `ZG_KAFKA_TOPIC_PARTITIONS` (every topic's partitions unless
  `ZG_KAFKA_PARTITIONS`, a JSON object of topic → partitions, says otherwise; a DLQ takes its
  own entry or the default), `ZG_KAFKA_REPLICATION_FACTOR`, `ZG_KAFKA_MIN_INSYNC_REPLICAS` (a
  topic setting, with replication; producers send with acks=all) and `ZG_KAFKA_CREATE_TOPICS`
  (false where ACLs forbid clients to create topics: the services then only check that every
  topic they use exists, and wait for it; `python -m zg_common.topics create` is the release's
  step that creates them) — `TopicPlan`. docs/topics.md is the plan at district and city scale.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aiokafka.helpers import create_ssl_context

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class KafkaCluster:
    """Where the brokers are and how a client proves who it is to them (and they to it)."""

    bootstrap_servers: str
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None

    def __post_init__(self) -> None:
        if self.sasl and not (self.sasl_username and self.sasl_password):
            raise ValueError(
                f"{self.security_protocol} needs ZG_KAFKA_SASL_USERNAME and ZG_KAFKA_SASL_PASSWORD"
            )
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            raise ValueError("a client certificate needs both ZG_KAFKA_SSL_CERTFILE and _KEYFILE")

    @property
    def sasl(self) -> bool:
        return self.security_protocol.startswith("SASL")

    @property
    def tls(self) -> bool:
        return self.security_protocol.endswith("SSL")

    def client(self) -> dict[str, Any]:
        """The keyword arguments every aiokafka client (producer, consumer, admin) is built
        with: the brokers and the connection's security."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.sasl:
            options |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password,
            }
        if self.tls:
            options["ssl_context"] = self.ssl_context()
        return options

    def ssl_context(self) -> ssl.SSLContext:
        """Verifies the brokers' certificates and names (against the CA file, or the system's
        CAs), and presents the client's certificate when one is set."""
        context: ssl.SSLContext = create_ssl_context(
            cafile=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile
        )
        return context


Kafka = KafkaCluster | str  # a bare bootstrap string is a PLAINTEXT cluster (tests, tools)


def cluster_of(kafka: Kafka) -> KafkaCluster:
    return KafkaCluster(kafka) if isinstance(kafka, str) else kafka


@dataclass(frozen=True)
class TopicPlan:
    """How many partitions and replicas each topic gets when it is created, and whether the
    services may create topics at all."""

    partitions: int = 3
    per_topic: Mapping[str, int] = field(default_factory=dict)
    replication_factor: int = 1
    min_insync_replicas: int | None = None
    create: bool = True

    def __post_init__(self) -> None:
        if self.partitions < 1 or any(n < 1 for n in self.per_topic.values()):
            raise ValueError("a topic has at least one partition")
        if self.replication_factor < 1:
            raise ValueError("the replication factor is at least 1")
        if self.min_insync_replicas is not None and not (
            1 <= self.min_insync_replicas <= self.replication_factor
        ):
            raise ValueError("min.insync.replicas is between 1 and the replication factor")

    def partitions_of(self, topic: str) -> int:
        return self.per_topic.get(topic, self.partitions)

    def configs(self, topic: str, *, kept: bool) -> dict[str, str]:
        """The topic-level settings a new topic is created with."""
        configs: dict[str, str] = {}
        if self.min_insync_replicas is not None:
            configs["min.insync.replicas"] = str(self.min_insync_replicas)
        if kept:
            configs["retention.ms"] = "-1"
        return configs
