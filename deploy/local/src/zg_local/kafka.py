"""A real Apache Kafka broker (KRaft, one node) from pinned Maven Central jars, run on Java 17."""

from __future__ import annotations

import asyncio
import base64
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from zg_local.config import KAFKA_POM
from zg_local.procs import StartupFailed, run_checked
from zg_local.tls import TlsFiles

LOG4J = """\
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=%d{HH:mm:ss.SSS} %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
"""


def kafka_version() -> str:
    text = KAFKA_POM.read_text()
    return text.split("<kafka.version>")[1].split("</kafka.version>")[0]


@dataclass(frozen=True)
class SecuredListener:
    """A second listener as a managed cluster offers it: SASL_SSL (SCRAM-SHA-512 over TLS), with
    Kafka's authorizer on, so that a client there may do only what ACLs allow. The plain
    listener's callers (ANONYMOUS) stay super users: the administrator of the tests."""

    port: int
    tls: TlsFiles
    users: dict[str, str] = field(default_factory=dict)  # SCRAM users and their passwords

    def properties(self) -> list[str]:
        return [
            "sasl.enabled.mechanisms=SCRAM-SHA-512",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
            "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            "listener.name.sasl_ssl.ssl.keystore.type=PEM",
            f"listener.name.sasl_ssl.ssl.keystore.location={self.tls.server}",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users=User:ANONYMOUS",
            "allow.everyone.if.no.acl.found=false",
        ]


class LocalKafka:
    def __init__(
        self,
        data_dir: Path,
        libs_root: Path,
        port: int,
        controller_port: int,
        *,
        heap: str = "512m",
        secured: SecuredListener | None = None,
    ) -> None:
        self.secured = secured
        self.data_dir = data_dir
        self.port = port
        self.controller_port = controller_port
        self.heap = heap
        # Jars are keyed by version so that dev and test data folders share one download.
        self.libs = libs_root / kafka_version()
        self.log_dir = data_dir / "log"
        self.config = data_dir / "server.properties"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def ensure_jars(self) -> None:
        if (self.libs / ".complete").is_file():
            return
        if shutil.which("mvn") is None:
            raise StartupFailed(
                "Maven (mvn) is needed once to fetch the Kafka jars; it is not on PATH"
            )
        self.libs.mkdir(parents=True, exist_ok=True)
        print(
            f"fetching Apache Kafka {kafka_version()} jars from Maven Central into {self.libs} ...",
            flush=True,
        )
        run_checked(
            "fetching the Kafka jars with Maven",
            [
                "mvn",
                "-B",
                "-q",
                "--no-transfer-progress",
                "-Dstyle.color=never",
                "-f",
                str(KAFKA_POM),
                "package",
                f"-Dkafka.libs.dir={self.libs}",
            ],
            capture=False,
        )
        (self.libs / ".complete").write_text(kafka_version())

    def prepare(self) -> None:
        self.ensure_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "log4j.properties").write_text(LOG4J)
        # Ports may change between runs, so the config is rewritten every start; the storage stays.
        self.config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners={self._listeners()},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners={self._listeners()}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
                    + (",SASL_SSL:SASL_SSL" if self.secured else ""),
                    *(self.secured.properties() if self.secured else []),
                    f"log.dirs={self.log_dir}",
                    "num.partitions=1",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    "num.network.threads=2",
                    "num.io.threads=2",
                    "log.cleaner.dedupe.buffer.size=2097152",
                    "log.retention.hours=168",
                    "",
                ]
            )
        )
        if not (self.log_dir / "meta.properties").is_file():
            cluster_id = new_cluster_id()
            run_checked(
                "formatting Kafka's storage",
                [
                    "java",
                    *self._jvm_opts(),
                    "-cp",
                    str(self.libs / "*"),
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    cluster_id,
                    "-c",
                    str(self.config),
                    "--ignore-formatted",
                    *self._scram_users(),
                ],
            )

    def _listeners(self) -> str:
        plain = f"PLAINTEXT://127.0.0.1:{self.port}"
        return f"{plain},SASL_SSL://127.0.0.1:{self.secured.port}" if self.secured else plain

    @property
    def secured_bootstrap(self) -> str:
        assert self.secured is not None
        return f"127.0.0.1:{self.secured.port}"

    def _scram_users(self) -> list[str]:
        """The SCRAM credentials, written into the metadata log when the storage is made."""
        users = self.secured.users if self.secured else {}
        return [
            arg
            for name, password in users.items()
            for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]")
        ]

    def acl(self, *args: str) -> None:
        """Kafka's own ACL tool against the running broker, as its super user."""
        run_checked(
            "changing Kafka's ACLs",
            [
                "java",
                *self._jvm_opts(),
                "-cp",
                str(self.libs / "*"),
                "kafka.admin.AclCommand",
                "--bootstrap-server",
                self.bootstrap,
                *args,
            ],
        )

    def _jvm_opts(self) -> list[str]:
        return [
            "-Xms128m",
            f"-Xmx{self.heap}",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{self.data_dir / 'log4j.properties'}",
            f"-Dkafka.logs.dir={self.data_dir / 'logs'}",
        ]

    def command(self) -> list[str]:
        return [
            "java",
            *self._jvm_opts(),
            "-cp",
            str(self.libs / "*"),
            "kafka.Kafka",
            str(self.config),
        ]

    async def wait_ready(self, timeout: float = 90) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=3000)
            try:
                await admin.start()
                await admin.list_topics()
                return
            except Exception as exc:
                if asyncio.get_running_loop().time() > deadline:
                    raise StartupFailed(
                        f"Kafka did not answer on {self.bootstrap} within {timeout:.0f} s "
                        f"({exc!r}); see its log above"
                    ) from exc
                await asyncio.sleep(0.5)
            finally:
                await admin.close()


def new_cluster_id() -> str:
    """A random KRaft cluster id (base64url of 16 bytes) that does not start with '-': the
    storage tool would read one that does as an option (Kafka's own Uuid.randomUuid avoids
    them for the same reason). One in 64 ids did, and failed the broker's start."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id
