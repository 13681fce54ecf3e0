"""The cost of the gateway hop alone: the bare validating app, direct vs through the gateway.

    .venv/bin/python bench/gateway_overhead.py [--concurrency 32] [--seconds 15]

No database, no broker: the gateway forwards POST /api/v1/cases to the baseline app (which
only validates the body). Prints both throughputs, p50/p99 and the ratio, measured in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import run_load

HERE = Path(__file__).resolve().parent
BASE_PORT, GATEWAY_PORT = 29990, 29991


def serve(args: list[str], env: dict[str, str], probe: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            *args,
            "--no-access-log",
            "--log-level",
            "warning",
            "--timeout-keep-alive",
            "75",
        ],
        cwd=HERE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(probe, timeout=1)
            return proc
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def body(i: int) -> dict[str, object]:
    return {"category": "E0403", "lat": 31.8, "lon": 117.3, "description": f"case {i}"}


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    env = dict(
        os.environ,
        ZG_LOG_LEVEL="WARNING",
        ZG_GATEWAY_SERVICE_URLS=json.dumps({"intake": f"http://127.0.0.1:{BASE_PORT}"}),
    )
    print(
        f"machine: {os.cpu_count()} cores; "
        f"concurrency {args.concurrency}, {args.seconds:.0f} s per run"
    )
    base = serve(
        ["baseline_app:app", "--port", str(BASE_PORT)], env, f"http://127.0.0.1:{BASE_PORT}/docs"
    )
    gateway = serve(
        ["--factory", "zg_gateway.main:create_app", "--port", str(GATEWAY_PORT)],
        env,
        f"http://127.0.0.1:{GATEWAY_PORT}/healthz",
    )
    try:
        direct = await run_load(
            "direct",
            "127.0.0.1",
            BASE_PORT,
            "/api/v1/cases",
            body,
            concurrency=args.concurrency,
            seconds=args.seconds,
        )
        print(direct.line())
        hop = await run_load(
            "through the gateway",
            "127.0.0.1",
            GATEWAY_PORT,
            "/api/v1/cases",
            body,
            concurrency=args.concurrency,
            seconds=args.seconds,
        )
        print(hop.line())
    finally:
        for proc in (gateway, base):
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
    print(f"ratio gateway / direct throughput: {hop.rps / direct.rps:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
