"""Typed settings shared by every service; each service subclasses them with its own env prefix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from zg_common.kafka_cluster import KafkaCluster, SaslMechanism, SecurityProtocol, TopicPlan


def find_repo_root(start: Path | None = None) -> Path | None:
    """The nearest folder above `start` holding the workspace's uv.lock (a source checkout)."""
    here = (start or Path(__file__)).resolve()
    for parent in [here, *here.parents]:
        if (parent / "uv.lock").is_file() and (parent / "deploy").is_dir():
            return parent
    return None


def default_refdata_dir() -> Path:
    """Where the versioned default data set lives in a source checkout."""
    root = find_repo_root()
    return (root or Path.cwd()) / "deploy" / "data" / "fangxing"


def default_web_dir() -> Path:
    """The installed browser assets in a source checkout (`make install`: web/node_modules)."""
    return (find_repo_root() or Path.cwd()) / "web" / "node_modules"


def default_ops_dir() -> Path:
    """The live map's page in a source checkout (web/ops)."""
    return (find_repo_root() or Path.cwd()) / "web" / "ops"


class CommonSettings(BaseSettings):
    """Settings every process reads. Shared infrastructure variables take no service prefix."""

    model_config = SettingsConfigDict(
        env_prefix="ZG_", extra="ignore", frozen=True, populate_by_name=True
    )

    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=AliasChoices("ZG_ENVIRONMENT")
    )
    database_url: str = Field(
        default="postgresql+asyncpg://zongguan@127.0.0.1:15432/zongguan",
        validation_alias=AliasChoices("DATABASE_URL", "ZG_DATABASE_URL"),
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "ZG_KAFKA_BOOTSTRAP_SERVERS"),
    )
    # the cluster's security and the topic plan (zg_common.kafka_cluster says what each means)
    kafka_security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT", validation_alias=AliasChoices("ZG_KAFKA_SECURITY_PROTOCOL")
    )
    kafka_sasl_mechanism: SaslMechanism = Field(
        default="SCRAM-SHA-512", validation_alias=AliasChoices("ZG_KAFKA_SASL_MECHANISM")
    )
    kafka_sasl_username: str | None = Field(
        default=None, validation_alias=AliasChoices("ZG_KAFKA_SASL_USERNAME")
    )
    kafka_sasl_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZG_KAFKA_SASL_PASSWORD")
    )
    kafka_ssl_cafile: str | None = Field(
        default=None, validation_alias=AliasChoices("ZG_KAFKA_SSL_CAFILE")
    )
    kafka_ssl_certfile: str | None = Field(
        default=None, validation_alias=AliasChoices("ZG_KAFKA_SSL_CERTFILE")
    )
    kafka_ssl_keyfile: str | None = Field(
        default=None, validation_alias=AliasChoices("ZG_KAFKA_SSL_KEYFILE")
    )
    kafka_topic_partitions: int = Field(
        default=3, ge=1, validation_alias=AliasChoices("ZG_KAFKA_TOPIC_PARTITIONS")
    )
    kafka_partitions: dict[str, int] = Field(
        default_factory=dict, validation_alias=AliasChoices("ZG_KAFKA_PARTITIONS")
    )
    kafka_replication_factor: int = Field(
        default=1, ge=1, validation_alias=AliasChoices("ZG_KAFKA_REPLICATION_FACTOR")
    )
    kafka_min_insync_replicas: int | None = Field(
        default=None, ge=1, validation_alias=AliasChoices("ZG_KAFKA_MIN_INSYNC_REPLICAS")
    )
    kafka_create_topics: bool = Field(
        default=True, validation_alias=AliasChoices("ZG_KAFKA_CREATE_TOPICS")
    )
    # migrations at start (make run), or only by the release's `python -m zg_common.migrate`
    # (compose, the chart) with the services under a role granted their rows only
    migrate_on_start: bool = Field(
        default=True, validation_alias=AliasChoices("ZG_MIGRATE_ON_START")
    )
    db_runtime_role: str | None = Field(
        default=None,
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        validation_alias=AliasChoices("ZG_DB_RUNTIME_ROLE"),
    )
    # the Prometheus metrics on a port of their own instead of the app's /metrics (compose and
    # the chart: only Prometheus reaches that port; make run keeps /metrics on the app's port)
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, validation_alias=AliasChoices("ZG_METRICS_PORT")
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("ZG_LOG_LEVEL"))
    log_format: Literal["json", "console"] = Field(
        default="json", validation_alias=AliasChoices("ZG_LOG_FORMAT")
    )
    refdata_dir: Path = Field(
        default_factory=default_refdata_dir, validation_alias=AliasChoices("ZG_REFDATA_DIR")
    )
    # the browser assets served from this machine (Swagger UI's for /docs): no CDN, so that the
    # pages work on an intranet without internet
    web_dir: Path = Field(
        default_factory=default_web_dir, validation_alias=AliasChoices("ZG_WEB_DIR")
    )
    # The gateway's only (it signs each forwarded call's identity); the services verify with its
    # public key. No default: secrets never live in the repository; `make run` generates one
    # under .data/.
    identity_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZG_IDENTITY_SECRET")
    )
    # what a service verifies the gateway's identity header with (zg_common.identity): the
    # public key of the gateway's ZG_IDENTITY_SECRET (`python -m zg_common.keys identity`), and
    # retired ones still trusted; a JSON list
    identity_public_keys: tuple[str, ...] = Field(
        default=(), validation_alias=AliasChoices("ZG_IDENTITY_PUBLIC_KEYS")
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, validation_alias=AliasChoices("ZG_MAX_BODY_BYTES")
    )
    # the body limit of the upload paths (zg_common.http.UPLOAD_PATHS): a video and its
    # multipart envelope; the service then checks each kind's own limit on the content
    max_upload_bytes: int = Field(
        default=101 * 1_048_576, ge=1024, validation_alias=AliasChoices("ZG_MAX_UPLOAD_BYTES")
    )

    @property
    def kafka(self) -> KafkaCluster:
        """The cluster every Kafka client of this process connects to."""
        password = self.kafka_sasl_password
        return KafkaCluster(
            self.kafka_bootstrap_servers,
            security_protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            sasl_username=self.kafka_sasl_username,
            sasl_password=password.get_secret_value() if password else None,
            ssl_cafile=self.kafka_ssl_cafile,
            ssl_certfile=self.kafka_ssl_certfile,
            ssl_keyfile=self.kafka_ssl_keyfile,
        )

    def kafka_environment(self) -> dict[str, str]:
        """These Kafka settings as the environment of a process this one starts."""
        env = {}
        for name, info in CommonSettings.model_fields.items():
            value = getattr(self, name)
            if not name.startswith("kafka_") or value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, dict):
                value = json.dumps(value)
            alias = info.validation_alias
            assert isinstance(alias, AliasChoices)
            env[str(alias.choices[0])] = (
                str(value).lower() if isinstance(value, bool) else str(value)
            )
        return env

    @property
    def topic_plan(self) -> TopicPlan:
        return TopicPlan(
            partitions=self.kafka_topic_partitions,
            per_topic=self.kafka_partitions,
            replication_factor=self.kafka_replication_factor,
            min_insync_replicas=self.kafka_min_insync_replicas,
            create=self.kafka_create_topics,
        )


class ServiceSettings(CommonSettings):
    """Settings of one HTTP service. Subclasses set `env_prefix` (ZG_INTAKE_, ...)."""

    http_port: int = 8001
    # connections to PostgreSQL each process keeps at most (`db.create_engine`: all kept open)
    db_pool_size: int = Field(default=20, ge=1)
    # how long a request waits for one of them before it is refused with 503 and Retry-After:
    # below the gateway's budget per hop (10 s), so that in a storm the caller hears "try again"
    # with nothing written, not a 504 while the request may still be committed behind it
    db_pool_timeout_s: float = Field(default=5.0, gt=0)
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_retry_backoff_s: float = Field(default=0.2, ge=0)
    outbox_poll_interval_s: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1)
