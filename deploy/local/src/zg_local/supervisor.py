"""One supervisor for the local platform: PostgreSQL, Kafka, five services and the gateway.
A service or the gateway that exits on its own is started again with a growing delay; the
broker or the database stopping stops the platform.

Children run in their own sessions, so Ctrl-C reaches only the supervisor, which stops them in
reverse order (gateway, services, broker, database) and waits for each. Their output is merged
into one readable stream, one prefix per process; JSON log lines are rendered compactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pwd
import signal
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from zg_common.logging import render_console
from zg_local import leftovers, simulator
from zg_local.config import REPO_ROOT, LocalConfig
from zg_local.kafka import LocalKafka
from zg_local.postgres import LocalPostgres
from zg_local.procs import (
    PortInUse,
    StartupFailed,
    check_ports_free,
    die_with_parent,
    output_lines,
)

COLORS = ["36", "32", "33", "35", "34", "96", "92", "93", "95"]


@dataclass
class Child:
    name: str
    proc: asyncio.subprocess.Process
    stop_signal: int = signal.SIGTERM
    critical: bool = False
    pump: asyncio.Task[None] | None = None
    watcher: asyncio.Task[None] | None = None
    stopping: bool = False
    # how to start it again, and its recent restarts (monotonic times) for the backoff
    command: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None
    run_as: pwd.struct_passwd | None = None
    restarts: list[float] = field(default_factory=list)


# A service that exits on its own is started again (the broker and the database stop the
# platform instead): after 2 s, doubling with each restart in the last 5 minutes, at most 60 s.
RESTART_FIRST_S = 2.0
RESTART_MAX_S = 60.0
RESTART_WINDOW_S = 300.0


async def exited(proc: asyncio.subprocess.Process) -> int:
    """The child's exit code, as soon as it has exited. (`proc.wait()` also waits for its
    output pipe to close, which a grandchild that inherited it — a solver pool's forkserver —
    can hold open long after: the supervisor then never saw a crash, nor a clean stop.)"""
    while proc.returncode is None:  # noqa: ASYNC110 (asyncio offers no event for the exit alone)
        await asyncio.sleep(0.1)
    return proc.returncode


def reap_group(pid: int) -> None:
    """Kill what a child that has exited left behind in its process group (each child leads
    its own session): worker processes of a service killed mid-work (a solver pool's
    forkserver and workers) would otherwise outlive it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def restart_delay(recent: int) -> float:
    return float(min(RESTART_FIRST_S * 2.0**recent, RESTART_MAX_S))


@dataclass
class Supervisor:
    cfg: LocalConfig
    with_services: bool = True
    durable: bool = True
    ready_file: Path | None = None
    # the district simulator's speed (`python -m zg_sim`), or None: no simulator
    simulator_speed: float | None = None
    children: list[Child] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    color: bool = field(default_factory=lambda: sys.stdout.isatty())

    @property
    def demo_credentials(self) -> Path:
        return self.cfg.data_dir / "demo-credentials.json"

    # ---- output ---------------------------------------------------------------------------
    def say(self, name: str, line: str, idx: int = 0) -> None:
        prefix = f"{name:<12}|"
        if self.color:
            prefix = f"\x1b[{COLORS[idx % len(COLORS)]}m{prefix}\x1b[0m"
        print(f"{prefix} {line}", flush=True)

    async def _pump(self, child: Child, idx: int) -> None:
        assert child.proc.stdout is not None
        async for raw in output_lines(child.proc.stdout):
            text = raw.decode(errors="replace").rstrip()
            if text.startswith("{"):
                with contextlib.suppress(ValueError):
                    text = render_console(json.loads(text))
            self.say(child.name, text, idx)

    # ---- processes ------------------------------------------------------------------------
    async def spawn(
        self,
        name: str,
        cmd: list[str],
        *,
        env: dict[str, str] | None = None,
        stop_signal: int = signal.SIGTERM,
        critical: bool = False,
        run_as: pwd.struct_passwd | None = None,
        restarts: list[float] | None = None,
    ) -> Child:
        proc = await asyncio.create_subprocess_exec(
            *cmd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent,
            cwd=str(REPO_ROOT),
            user=run_as.pw_uid if run_as else None,
            group=run_as.pw_gid if run_as else None,
        )
        child = Child(
            name, proc, stop_signal, critical, command=cmd, env=env, run_as=run_as,
            restarts=restarts or [],
        )  # fmt: skip
        colour = next((i for i, c in enumerate(self.children) if c.name == name), None)
        index = colour if colour is not None else len(self.children)
        child.pump = asyncio.create_task(self._pump(child, index))
        self.children = [c for c in self.children if c.name != name] + [child]
        child.watcher = asyncio.create_task(self._watch(child))
        leftovers.record(
            self.cfg.data_dir, [(c.name, c.proc.pid, c.command) for c in self.children]
        )
        return child

    async def _watch(self, child: Child) -> None:
        code = await exited(child.proc)
        reap_group(child.proc.pid)
        if child.stopping or self.stop.is_set():
            return
        self.say("supervisor", f"{child.name} exited unexpectedly with code {code}")
        if child.critical:
            self.say("supervisor", "a piece of infrastructure stopped; stopping everything")
            self.stop.set()
            return
        now = time.monotonic()
        recent = [t for t in child.restarts if now - t < RESTART_WINDOW_S]
        delay = restart_delay(len(recent))
        self.say("supervisor", f"starting {child.name} again in {delay:.0f}s")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), delay)
        if self.stop.is_set():
            return
        await self.spawn(
            child.name,
            child.command,
            env=child.env,
            stop_signal=child.stop_signal,
            run_as=child.run_as,
            restarts=[*recent, time.monotonic()],
        )

    async def stop_child(self, child: Child, timeout: float) -> None:
        child.stopping = True
        if child.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(child.stop_signal)
            try:
                await asyncio.wait_for(exited(child.proc), timeout)
            except TimeoutError:
                self.say("supervisor", f"{child.name} did not stop in {timeout:.0f}s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    child.proc.kill()
                await exited(child.proc)
        reap_group(child.proc.pid)
        if child.pump:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(child.pump, 5)

    # ---- the platform ---------------------------------------------------------------------
    async def wait_http(self, name: str, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                child = next((c for c in self.children if c.name == name), None)
                if child and child.proc.returncode is not None:
                    raise StartupFailed(
                        f"{name} exited during startup (code {child.proc.returncode});"
                        " see its log above"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url)).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise StartupFailed(
                        f"{name} did not become healthy at {url} within {timeout:.0f}s"
                    )
                await asyncio.sleep(0.25)

    async def start(self) -> dict[str, Any]:
        cfg = self.cfg
        external_db = os.environ.get("DATABASE_URL")
        external_kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        ports: dict[str, int] = {}
        if not external_db:
            ports["PostgreSQL"] = cfg.pg_port
        if not external_kafka:
            ports["Kafka"] = cfg.kafka_port
            ports["Kafka controller"] = cfg.kafka_controller_port
        if self.with_services:
            ports.update({svc.name: svc.port for svc in cfg.services})
            ports["gateway"] = cfg.gateway_port
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        # an earlier run killed before it could stop its children (leftovers.py)
        if stopped := await asyncio.to_thread(leftovers.stop_leftovers, cfg.data_dir):
            self.say("supervisor", f"stopped what an earlier run left: {', '.join(stopped)}")
        check_ports_free(ports)

        if external_db:
            database_url = external_db
            self.say("supervisor", "using the PostgreSQL at DATABASE_URL")
        else:
            pg = LocalPostgres(cfg.data_dir / "postgres", cfg.pg_port, durable=self.durable)
            await asyncio.to_thread(pg.prepare)
            await self.spawn(
                "postgres",
                pg.command(),
                stop_signal=signal.SIGINT,
                critical=True,
                run_as=pg.user,
            )
            await pg.wait_ready()
            await pg.ensure_database(cfg.database)
            database_url = pg.url(cfg.database)
        if external_kafka:
            bootstrap = external_kafka
            self.say("supervisor", "using the Kafka broker at KAFKA_BOOTSTRAP_SERVERS")
        else:
            kafka = LocalKafka(
                cfg.data_dir / "kafka", cfg.kafka_libs, cfg.kafka_port, cfg.kafka_controller_port
            )
            await asyncio.to_thread(kafka.prepare)
            await self.spawn("kafka", kafka.command(), critical=True)
            await kafka.wait_ready()
            bootstrap = kafka.bootstrap
        info: dict[str, Any] = {"database_url": database_url, "kafka_bootstrap_servers": bootstrap}

        if self.with_services:
            env = partial(self.cfg.service_env, database_url, bootstrap)
            uvicorn = [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "--host",
                "127.0.0.1",
                "--no-access-log",
                # X-Forwarded-For is the gateway's to judge (ZG_GATEWAY_TRUSTED_PROXIES)
                "--no-proxy-headers",
                "--timeout-graceful-shutdown",
                "5",
                # longer than the gateway pool's keep-alive expiry, so that the server never
                # closes a connection the gateway is about to reuse (a 502 race otherwise)
                "--timeout-keep-alive",
                "75",
                "--log-level",
                "warning",
            ]
            for svc in cfg.services:
                command = [*uvicorn, "--port", str(svc.port), svc.module]
                await self.spawn(svc.name, command, env=env(svc.name))
            await asyncio.gather(
                *(
                    self.wait_http(s.name, f"http://127.0.0.1:{s.port}/healthz", 120)
                    for s in cfg.services
                )
            )
            await self.spawn(
                "gateway",
                [*uvicorn, "--port", str(cfg.gateway_port), "zg_gateway.main:create_app"],
                env=env("gateway"),
            )
            await self.wait_http("gateway", f"http://127.0.0.1:{cfg.gateway_port}/healthz", 60)
            info["gateway"] = f"http://127.0.0.1:{cfg.gateway_port}"
            if self.simulator_speed is not None:
                sim = simulator.command(info["gateway"], self.simulator_speed, cfg.data_dir)
                await self.spawn("simulator", sim, env=dict(os.environ))
                info["simulator"] = self.simulator_speed
            info["services"] = {s.name: f"http://127.0.0.1:{s.port}" for s in cfg.services}
        info["pids"] = {c.name: c.proc.pid for c in self.children}
        return info

    async def shutdown(self) -> None:
        timeouts = {"kafka": 60.0, "postgres": 30.0}
        # the gateway and services stop together, then the broker, then the database
        apps = [c for c in self.children if c.name not in timeouts]
        await asyncio.gather(*(self.stop_child(c, 15) for c in reversed(apps)))
        for name in ("kafka", "postgres"):
            for c in self.children:
                if c.name == name:
                    self.say("supervisor", f"stopping {name}")
                    await self.stop_child(c, timeouts[name])
        leftovers.forget(self.cfg.data_dir)

    async def run(self) -> int:
        # readiness probes fail on purpose while the broker starts; their client logs are noise
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop.set)
        code = 0
        try:
            starting = asyncio.create_task(self.start())
            stopper = asyncio.create_task(self.stop.wait())
            done, _ = await asyncio.wait({starting, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if starting in done:
                info = starting.result()
                if self.ready_file:
                    self.ready_file.parent.mkdir(parents=True, exist_ok=True)
                    self.ready_file.write_text(json.dumps(info, indent=1))
                self.banner(info)
                await self.stop.wait()
            else:
                starting.cancel()
                with contextlib.suppress(BaseException):
                    await starting
            stopper.cancel()
        except StartupFailed as exc:
            self.say("supervisor", str(exc))
            code = 2 if isinstance(exc, PortInUse) else 1
        finally:
            self.say("supervisor", "stopping")
            await self.shutdown()
            self.say("supervisor", "stopped")
        return code

    def banner(self, info: dict[str, Any]) -> None:
        lines = ["", "Zongguan is running. Ctrl-C stops everything."]
        if "gateway" in info:
            lines.append(f"  gateway        {info['gateway']}   (API docs: {info['gateway']}/docs)")
        for name, url in info.get("services", {}).items():
            lines.append(f"  {name:<14} {url}")
        lines += [
            f"  PostgreSQL     {info['database_url']}",
            f"  Kafka          {info['kafka_bootstrap_servers']}",
            f"  local data     {self.cfg.data_dir}",
            f"  demo accounts  {self.demo_credentials} (one per role; development only)",
        ]
        if "gateway" in info:
            lines.append(f"  live map       {info['gateway']}/ops   (log in with a demo account)")
        if "simulator" in info:
            lines.append(simulator.banner_line(info["simulator"]))
        lines.append("")
        for line in lines:
            self.say("supervisor", line)
