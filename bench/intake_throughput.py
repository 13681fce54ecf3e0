"""Intake throughput through the whole platform vs a bare FastAPI app that only validates.

    .venv/bin/python bench/intake_throughput.py [--concurrency 32] [--seconds 20]
        [--statements] [--profile DIR]
    .venv/bin/python bench/intake_throughput.py --cases 100000   # the memory run

Starts the platform as `make run` does (its own data folder under .data/bench, ports offset by
1000, durable PostgreSQL settings), POSTs cases through the gateway at fixed concurrency for a
fixed time, then runs the same load against the baseline app (one uvicorn worker, like each
service). Prints both throughputs, p50/p99 latencies and the ratio, and checks that every
accepted case was dispatched. Everything runs on this machine: report which, with the numbers.

With `--cases N` it is the memory run instead: N cases in four equal parts (or more, of at most
20,000 each), each process's memory printed at rest, after each part and once the platform is
at rest again (a process that grows without bound shows it part after part); no baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import Result, run_load
from proctimes import CpuWindow, memory_table, wait_for_rest
from profiles import MetricsWindow, ServiceProfiles

from zg_local.readiness import platform_ready
from zg_local.reportable import places_and_categories

REPO = Path(__file__).resolve().parent.parent
BENCH_DATA = REPO / ".data" / "bench"
OFFSET = 1000  # gateway on 9000, services 9001-9005, PostgreSQL 16432, Kafka 20092


def case_body(rng: random.Random, points: list[tuple[float, float]], categories: list[str]):  # type: ignore[no-untyped-def]
    def make(i: int) -> dict[str, object]:
        lat, lon = rng.choice(points)
        return {
            "category": rng.choice(categories),
            "lat": lat,
            "lon": lon,
            "description": f"benchmark case {i}",
        }

    return make


def start_platform(
    *, statements: bool = False
) -> tuple[subprocess.Popen[bytes], dict[str, object]]:
    if BENCH_DATA.exists():
        shutil.rmtree(BENCH_DATA)
    BENCH_DATA.mkdir(parents=True)
    ready = BENCH_DATA / "ready.json"
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    env["ZG_LOG_LEVEL"] = "WARNING"
    # one demo resident sends the whole load: lift the per-user limit for this measurement
    env["ZG_GATEWAY_RATE_LIMIT_USER_PER_MINUTE"] = "10000000"
    env["ZG_GATEWAY_RATE_LIMIT_BURST"] = "100000"
    # residents' reports wait for an officer's verification; the benchmark measures the
    # pipeline to dispatch, so it switches verification off (as a deployment may)
    env["ZG_ROUTING_VERIFY_PUBLIC_REPORTS"] = "false"
    env["ZG_SIMULATOR"] = "off"  # the load is the bench's own
    if statements:  # PostgreSQL counts every statement (a little more CPU: a diagnosis run)
        env["ZG_PG_SETTINGS"] = "shared_preload_libraries=pg_stat_statements"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zg_local",
            "run",
            "--data-dir",
            str(BENCH_DATA),
            "--port-offset",
            str(OFFSET),
            "--ready-file",
            str(ready),
        ],
        stdout=(BENCH_DATA / "platform.log").open("wb"),
        stderr=subprocess.STDOUT,
        cwd=REPO,
        env=env,
    )
    deadline = time.monotonic() + 300
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("platform did not start; see " + str(BENCH_DATA / "platform.log"))
        time.sleep(0.3)
    info = json.loads(ready.read_text())
    while not platform_ready(str(info["gateway"])):
        time.sleep(0.3)
    return proc, info


def start_baseline(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "baseline_app:app",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=Path(__file__).resolve().parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            return proc
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def wait_dispatched(
    database_url: str, accepted: int, timeout: float = 120
) -> tuple[int, float]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    started = time.monotonic()
    try:
        while True:
            done = await conn.fetchval(
                "SELECT count(*) FROM intake.cases WHERE status = 'dispatched'"
            )
            if done >= accepted or time.monotonic() - started > timeout:
                return int(done), time.monotonic() - started
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--statements",
        action="store_true",
        help="also print the statements PostgreSQL ran per case (pg_stat_statements)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="also sample each service with py-spy during the load; raw profiles in DIR",
    )
    parser.add_argument(
        "--cases",
        type=int,
        metavar="N",
        help="the memory run: send N cases (in four parts, memory after each), no baseline",
    )
    args = parser.parse_args()

    points, categories = places_and_categories()

    cores, py = os.cpu_count(), f"{platform.python_implementation()} {platform.python_version()}"
    print(
        f"machine: {cores} cores, {py}; concurrency {args.concurrency}, "
        f"{args.seconds:.0f} s per run after a 2 s warm-up"
    )
    proc, info = start_platform(statements=args.statements)
    try:
        gateway = httpx.URL(str(info["gateway"]))
        # the demo resident reports, as the residents' app does (a bearer token on each call)
        auth = {"Authorization": f"Bearer {await account_token(str(info['gateway']), 'resident')}"}
        pids = {str(k): int(v) for k, v in dict(info["pids"]).items()}  # type: ignore[call-overload]
        rest = await asyncio.to_thread(wait_for_rest, pids)
        print(f"  at rest: the platform's processes use {rest:.2f} of a core")
        print(memory_table("at rest", pids))
        cpu = CpuWindow(pids)
        if args.statements:
            await statements_reset(str(info["database_url"]))
        services = {str(k): str(v) for k, v in dict(info["services"]).items()}  # type: ignore[call-overload]
        metrics = MetricsWindow({**services, "gateway": str(info["gateway"])})
        await metrics.start()
        cpu.start()
        profiles = ServiceProfiles(pids, args.profile, args.seconds) if args.profile else None
        make_body = case_body(random.Random(1), points, categories)
        with profiles or contextlib.nullcontext():
            if args.cases:
                platform_result = await load_in_parts(
                    gateway, make_body, args.cases, args.concurrency, pids
                )
            else:
                platform_result = await run_load(
                    "platform (gateway+intake)",
                    gateway.host,
                    gateway.port or 80,
                    "/api/v1/cases",
                    make_body,
                    concurrency=args.concurrency,
                    seconds=args.seconds,
                    headers=auth,
                )
        print(platform_result.line())
        if profiles:
            print(profiles.summary())
        accepted = await count_cases(str(info["database_url"]))
        dispatched, lag = await wait_dispatched(
            str(info["database_url"]), accepted, timeout=900 if args.cases else 120
        )
        cpu.stop()
        print(
            f"  cases opened in all (warm-up included, duplicates merged): {accepted}; "
            f"dispatched: {dispatched}; "
            f"all dispatched {lag:.1f} s after the load stopped"
        )
        print(cpu.table(accepted))
        await metrics.stop()
        print(metrics.batch_sizes())
        print(metrics.gc_pauses())
        if args.statements:
            print(await statements_per_case(str(info["database_url"]), accepted))
        print(memory_table(f"after {accepted} cases", pids))
        if args.cases:
            rest = await asyncio.to_thread(wait_for_rest, pids)
            print(memory_table(f"at rest again ({rest:.2f} of a core)", pids))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(120)
    if args.cases:
        return  # the memory run: no baseline

    baseline = start_baseline(29990)
    try:
        base_result = await run_load(
            "bare FastAPI (validate only)",
            "127.0.0.1",
            29990,
            "/api/v1/cases",
            case_body(random.Random(1), points, categories),
            concurrency=args.concurrency,
            seconds=args.seconds,
            headers={"Authorization": "Bearer ignored-by-the-baseline"},
        )
        print(base_result.line())
    finally:
        baseline.send_signal(signal.SIGINT)
        baseline.wait(30)
    ratio = platform_result.rps / base_result.rps
    print(f"ratio platform / baseline throughput: {ratio:.2f}  (goal >= 0.09)")


async def load_in_parts(
    gateway: httpx.URL,
    make_body: Callable[[int], dict[str, object]],
    cases: int,
    concurrency: int,
    pids: dict[str, int],
) -> Result:
    """`cases` requests in equal parts (four, or more of at most 20,000 each), each process's
    CPU per request and memory after each part (a cost that grows with the data shows part
    after part); the resident logs in again before each part (an access token lives ten
    minutes)."""
    parts, whole = max(4, -(-cases // 20_000)), Result("platform (gateway+intake)", 0.0)
    for part in range(parts):
        first, last = cases * part // parts, cases * (part + 1) // parts
        token = await account_token(str(gateway), "resident")
        cpu = CpuWindow(pids)
        cpu.start()
        result = await run_load(
            "platform (gateway+intake)",
            gateway.host,
            gateway.port or 80,
            "/api/v1/cases",
            make_body,
            concurrency=concurrency,
            seconds=0,
            headers={"Authorization": f"Bearer {token}"},
            total=last - first,
            first=first,
        )
        whole.seconds += result.seconds
        whole.latencies += result.latencies
        for status, n in result.statuses.items():
            whole.statuses[status] = whole.statuses.get(status, 0) + n
        print(
            f"  {last} cases sent ({result.rps:.1f} accepted/s in this part, "
            f"statuses {dict(sorted(result.statuses.items()))})",
            flush=True,
        )
        cpu.stop()
        used = {k: v for k, v in cpu.used().items() if k != "load generator"}
        cells = "  ".join(
            f"{k} {1000 * v / (last - first):.2f}"
            for k, v in sorted(used.items(), key=lambda kv: -kv[1])
        )
        total = 1000 * sum(used.values()) / (last - first)
        # the part's own reports, plus whatever of the previous part's the consumers did meanwhile
        print(f"  CPU per request in this part (ms): {cells}  total {total:.2f}", flush=True)
        print(memory_table(f"after {last} requests", pids), flush=True)
    return whole


async def account_token(gateway: str, role: str) -> str:
    """A bearer token of the demo account of `role` (the platform's own login)."""
    credentials = json.loads((BENCH_DATA / "demo-credentials.json").read_text())
    account = next(a for a in credentials["accounts"] if a["role"] == role)
    async with httpx.AsyncClient(base_url=gateway) as client:
        response = await client.post(
            "/api/v1/auth/login",
            json={"username": account["username"], "password": account["password"]},
        )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def statements_reset(database_url: str) -> None:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("SELECT pg_stat_statements_reset()")
    finally:
        await conn.close()


async def statements_per_case(
    database_url: str, cases: int, top: int = 30, *, by_time: bool = False
) -> str:
    """Every statement per case (calls, and the database's time), the most frequent first
    (`by_time`: those the database spent most time on first)."""
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT calls, total_exec_time, regexp_replace(query, '\\s+', ' ', 'g') AS q "
            "FROM pg_stat_statements ORDER BY "
            + ("total_exec_time" if by_time else "calls")
            + " DESC"
        )
    finally:
        await conn.close()
    calls = sum(r["calls"] for r in rows)
    first = "those the database spent most time on" if by_time else "the most frequent"
    out = [f"  statements per case: {calls / max(cases, 1):.1f} in all; {first}:"]
    for r in rows[:top]:
        out.append(
            f"    {r['calls'] / max(cases, 1):6.2f}  {r['total_exec_time'] / max(cases, 1):6.3f} ms"
            f"  {r['q'][:150]}"
        )
    return "\n".join(out)


async def count_cases(database_url: str) -> int:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        # duplicate reports join an open case instead of being dispatched themselves
        return int(
            await conn.fetchval("SELECT count(*) FROM intake.cases WHERE status <> 'merged'")
        )
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
