"""The fault tests' harness: a PostgreSQL server and a Kafka broker it starts, stops and kills
itself (the launchers of `make run`), and two copies of the platform (`python -m zg_local run`:
every service and the gateway, each under its supervisor) side by side on them, so that every
service runs as two replicas sharing one database and one broker.

The supervisors treat their own PostgreSQL or broker stopping as fatal; here both are outside
them (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS), so the harness can take them away and bring them
back while the platform keeps running, as a database failover or a broker restart would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import REPO
from zg_local.config import SECRET_FILES, LocalConfig
from zg_local.kafka import LocalKafka, SecuredListener
from zg_local.postgres import LocalPostgres
from zg_local.procs import die_with_parent
from zg_local.readiness import platform_ready

CHAOS_DATA = REPO / ".data" / "chaos"
OFFSETS = (2000, 2100)  # gateways on 10000 and 10100; PostgreSQL 17432, Kafka 21092
SERVICES = ("intake", "routing", "patrol", "scoring", "video-index")


def _killpg(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def _exited(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


@dataclass
class Infra:
    """The database and the broker, each a process of its own session (a group the harness
    can signal as a whole)."""

    folder: Path
    cfg: LocalConfig
    # a SASL_SSL listener with an authorizer beside the plain one (the cluster settings' test)
    secured: SecuredListener | None = None
    pg: LocalPostgres = field(init=False)
    kafka: LocalKafka = field(init=False)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pg = LocalPostgres(self.folder / "postgres", self.cfg.pg_port)
        self.kafka = LocalKafka(
            self.folder / "kafka",
            self.cfg.kafka_libs,
            self.cfg.kafka_port,
            self.cfg.kafka_controller_port,
            secured=self.secured,
        )

    @property
    def database_url(self) -> str:
        return self.pg.url(self.cfg.database)

    def _spawn(self, name: str, command: list[str], user: Any = None) -> None:
        with (self.folder / f"{name}.log").open("ab") as log:  # the child keeps its own copy
            self.procs[name] = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent,
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
            )

    async def start_postgres(self) -> None:
        await asyncio.to_thread(self.pg.prepare)
        self._spawn("postgres", self.pg.command(), self.pg.user)
        await self.pg.wait_ready()
        await self.pg.ensure_database(self.cfg.database)

    async def start_kafka(self) -> None:
        await asyncio.to_thread(self.kafka.prepare)
        self._spawn("kafka", self.kafka.command())
        await self.kafka.wait_ready()

    async def stop(self, name: str, sig: int, timeout: float = 60) -> None:
        """Stop one of them with `sig` (PostgreSQL: SIGINT is pg_ctl's fast mode, SIGQUIT its
        immediate mode; Kafka: SIGTERM is a controlled shutdown) and wait for it to exit."""
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        if not await _exited(proc, timeout):
            _killpg(proc.pid, signal.SIGKILL)
            await _exited(proc, 10)
        _killpg(proc.pid, signal.SIGKILL)  # what it left in its group (PostgreSQL's backends)

    def kill(self) -> None:
        for proc in self.procs.values():
            _killpg(proc.pid, signal.SIGKILL)
        for proc in self.procs.values():
            proc.wait(30)


@dataclass
class Replica:
    """One copy of the platform under its own supervisor and data folder."""

    offset: int
    folder: Path
    proc: subprocess.Popen[bytes] | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        return str(self.info["gateway"])

    def start(self, env: dict[str, str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        ready = self.folder / "ready.json"
        ready.unlink(missing_ok=True)
        with (self.folder / "platform.log").open("ab") as log:
            self.proc = self._popen(env, log, ready)

    def _popen(self, env: dict[str, str], log: Any, ready: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zg_local",
                "run",
                "--data-dir",
                str(self.folder),
                "--port-offset",
                str(self.offset),
                "--ready-file",
                str(ready),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=REPO,
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    async def wait_ready(self, timeout: float = 300) -> None:
        assert self.proc is not None
        ready = self.folder / "ready.json"
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the platform in {self.folder} did not start:\n{self.tail()}")
            await asyncio.sleep(0.3)
        self.info = json.loads(ready.read_text())
        while not await asyncio.to_thread(platform_ready, self.gateway):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the platform in {self.folder} is not ready:\n{self.tail()}")
            await asyncio.sleep(0.5)

    def tail(self, size: int = 6000) -> str:
        return (self.folder / "platform.log").read_text(errors="replace")[-size:]

    def pid(self, name: str) -> int:
        """The process the supervisor runs as `name` now (it records each start)."""
        for entry in json.loads((self.folder / "children.json").read_text()):
            if entry["name"] == name:
                return int(entry["pid"])
        raise KeyError(name)

    def url(self, name: str) -> str:
        return self.gateway if name == "gateway" else str(self.info["services"][name])

    async def kill(self, name: str) -> None:
        """kill -9 a service (its whole group: a solver pool dies with it), then wait for the
        supervisor to have started it again and for it to answer."""
        old = self.pid(name)
        _killpg(old, signal.SIGKILL)
        deadline = time.monotonic() + 120
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{name} was not started again:\n{self.tail()}")
                with contextlib.suppress(httpx.HTTPError, KeyError, ValueError, OSError):
                    if self.pid(name) != old:
                        response = await client.get(self.url(name) + "/healthz")
                        if response.status_code == 200:
                            return
                await asyncio.sleep(0.3)

    def power_cut(self) -> None:
        """SIGKILL to the supervisor and every child it runs, nothing stopped politely."""
        with contextlib.suppress(OSError, ValueError):
            for entry in json.loads((self.folder / "children.json").read_text()):
                _killpg(int(entry["pid"]), signal.SIGKILL)
        if self.proc is not None:
            _killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    async def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        if not await _exited(self.proc, 60):
            self.power_cut()


@dataclass
class Chaos:
    """The infrastructure and the two replicas of the platform."""

    infra: Infra
    replicas: tuple[Replica, Replica]
    env: dict[str, str]

    @classmethod
    def create(cls) -> Chaos:
        cfg = LocalConfig.from_env(data_dir=CHAOS_DATA, port_offset=OFFSETS[0])
        infra = Infra(CHAOS_DATA / "infra", cfg)
        infra.folder.mkdir(parents=True, exist_ok=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ZG_DATA_DIR")
        }
        env.update(
            {
                "DATABASE_URL": infra.database_url,
                "KAFKA_BOOTSTRAP_SERVERS": infra.kafka.bootstrap,
                # the replicas share their secrets, as one deployment's replicas do
                **{name: secrets.token_urlsafe(48) for name in SECRET_FILES},
                "ZG_SIMULATOR": "off",  # the load is the harness's own
                # residents' reports go straight to dispatch (no officer verifies them here)
                "ZG_ROUTING_VERIFY_PUBLIC_REPORTS": "false",
                # one demo resident sends the whole load, from one address
                "ZG_GATEWAY_RATE_LIMIT_USER_PER_MINUTE": "1000000",
                "ZG_GATEWAY_RATE_LIMIT_IP_PER_MINUTE": "1000000",
                "ZG_GATEWAY_RATE_LIMIT_BURST": "100000",
                "ZG_PATROL_PLAN_TIME_LIMIT_S": "1",
                "ZG_GATEWAY_UPSTREAM_TIMEOUT_S": "10",
            }
        )
        replicas = (
            Replica(OFFSETS[0], CHAOS_DATA / "a"),
            Replica(OFFSETS[1], CHAOS_DATA / "b"),
        )
        return cls(infra, replicas, env)

    @property
    def gateways(self) -> list[str]:
        return [r.gateway for r in self.replicas]

    def demo_password(self, username: str) -> str:
        document = json.loads((self.replicas[0].folder / "demo-credentials.json").read_text())
        return str(next(a["password"] for a in document["accounts"] if a["username"] == username))

    async def start(self) -> None:
        """The database and the broker, then the first replica (it migrates and loads the
        data set), then the second beside it."""
        await self.infra.start_postgres()
        await self.infra.start_kafka()
        for replica in self.replicas:
            replica.start(self.env)
            await replica.wait_ready()

    def power_cut(self) -> None:
        for replica in self.replicas:
            replica.power_cut()
        self.infra.kill()

    async def stop(self) -> None:
        await asyncio.gather(*(r.stop() for r in self.replicas))
        if "kafka" in self.infra.procs:
            await self.infra.stop("kafka", signal.SIGTERM)
        if "postgres" in self.infra.procs:
            await self.infra.stop("postgres", signal.SIGINT)
