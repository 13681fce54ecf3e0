"""The local launcher itself: a taken port is one clear sentence; a restart keeps the data."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.conftest import REPO

pytestmark = pytest.mark.integration

OFFSET = 200  # PostgreSQL 15632, Kafka 19292/19293: clear of dev, test and e2e ports


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    env.update(extra)
    return env


async def launch(data_dir: Path, ready: Path, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "zg_local",
        "infra",
        "--data-dir",
        str(data_dir),
        "--port-offset",
        str(OFFSET),
        "--ready-file",
        str(ready),
        cwd=REPO,
        env=clean_env(**env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def wait_ready(proc: asyncio.subprocess.Process, ready: Path) -> dict[str, str]:
    for _ in range(1200):
        if ready.exists():
            info: dict[str, str] = json.loads(ready.read_text())
            return info
        if proc.returncode is not None:
            break
        await asyncio.sleep(0.1)
    out = await proc.stdout.read() if proc.stdout else b""
    raise AssertionError("infrastructure did not start:\n" + out.decode(errors="replace")[-3000:])


async def stop(proc: asyncio.subprocess.Process) -> str:
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    out, _ = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 0, out.decode(errors="replace")[-3000:]
    return out.decode(errors="replace")


async def test_taken_port_is_one_clear_sentence(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = await launch(tmp_path / "data", tmp_path / "ready.json", ZG_PG_PORT=str(port))
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode()
    assert proc.returncode == 2, text
    assert f"port {port} (PostgreSQL) is already in use" in text
    assert "Traceback" not in text
    assert not (tmp_path / "ready.json").exists()


async def test_stop_and_restart_keeps_database_and_broker_data(tmp_path: Path) -> None:
    data, ready = tmp_path / "data", tmp_path / "ready.json"
    proc = await launch(data, ready)
    info = await wait_ready(proc, ready)
    dsn = info["database_url"].replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')")
    await conn.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=info["kafka_bootstrap_servers"])
    await admin.start()
    await admin.create_topics([NewTopic("kept.topic", 1, 1)])
    await admin.close()
    output = await stop(proc)
    assert "stopped" in output and "Traceback" not in output

    ready.unlink()
    proc = await launch(data, ready)
    info = await wait_ready(proc, ready)
    try:
        conn = await asyncpg.connect(dsn)
        assert await conn.fetchval("SELECT note FROM kept") == "still here"
        await conn.close()
        admin = AIOKafkaAdminClient(bootstrap_servers=info["kafka_bootstrap_servers"])
        await admin.start()
        assert "kept.topic" in await admin.list_topics()
        await admin.close()
    finally:
        await stop(proc)
