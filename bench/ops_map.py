"""The live map at district size and beyond: frames while panning, and how long an event takes
to reach the screen.

    .venv/bin/python bench/ops_map.py [--gateway URL] [--cases 10000] [--officers 130]

Starts the platform as `make run` does (no simulator; its own data folder under
.data/bench-ops, ports offset by 3000) unless --gateway names a running one on this machine.
In Chromium (Debian's, WebGL in software: no GPU here) as the dispatcher, it pans the map for a
few seconds twice in the same run:

- baseline: the district only (grids, 1,149 patrol points, routes, 1,858 cameras);
- loaded: plus --cases open cases and --officers officers moving every second, injected through
  the page's own drawing path;

and prints frames per second of each and their ratio. Then it reports cases through the
gateway and prints the time from each 201 to the case drawn on the map (p50/p95/max), and from
the moment its event was made (the CloudEvent `time`, before the outbox put it on the broker:
an upper bound of broker-to-screen) to the screen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, async_playwright

from zg_local.readiness import platform_ready

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / ".data" / "bench-ops"
OFFSET = 3000
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        "--ignore-gpu-blocklist", "--disable-background-networking"]  # fmt: skip

PAN = """async (seconds) => {
  const map = window.zongguan.map;
  let frames = 0, step = 0;
  const started = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      frames += 1; step += 1;
      map.panBy([step % 120 < 60 ? 12 : -12, step % 240 < 120 ? 6 : -6], { duration: 0 });
      if (performance.now() - started < seconds * 1000) requestAnimationFrame(tick);
      else resolve();
    };
    requestAnimationFrame(tick);
  });
  return frames / ((performance.now() - started) / 1000);
}"""


def start_platform() -> tuple[subprocess.Popen[bytes], str, Path]:
    if DATA.exists():
        shutil.rmtree(DATA)
    DATA.mkdir(parents=True)
    ready = DATA / "ready.json"
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    env |= {"ZG_LOG_LEVEL": "WARNING", "ZG_SIMULATOR": "off"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "zg_local", "run", "--data-dir", str(DATA),
         "--port-offset", str(OFFSET), "--ready-file", str(ready)],
        stdout=(DATA / "platform.log").open("wb"), stderr=subprocess.STDOUT, cwd=REPO, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the platform did not start: see .data/bench-ops/platform.log")
        time.sleep(0.5)
    gateway = json.loads(ready.read_text())["gateway"]
    while not platform_ready(gateway):
        time.sleep(0.5)
    return proc, gateway, DATA / "demo-credentials.json"


def somewhere(rng: random.Random) -> dict[str, Any]:
    """A point in the district's bounding box."""
    lon, lat = 117.262 + rng.random() * 0.06, 31.783 + rng.random() * 0.04
    return {"type": "Point", "coordinates": [lon, lat]}


def synthetic_cases(n: int, rng: random.Random) -> list[dict[str, Any]]:
    lights = ["green"] * 7 + ["yellow"] * 2 + ["red"]
    out = []
    for i in range(n):
        properties = {
            "case_id": f"bench-{i}",
            "number": f"B{i:06d}",
            "category": "C0104",
            "status": "dispatched",
            "source": "resident_app",
            "urgency": "normal",
            "grid_id": "G01",
            "department_id": "roads-contractor",
            "light": rng.choice(lights),
            "updated_at": "2026-11-30T00:00:00Z",
        }
        out.append(
            {
                "type": "Feature",
                "id": f"bench-{i}",
                "geometry": somewhere(rng),
                "properties": properties,
            }
        )
    return out


def officers(n: int, rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "type": "Feature",
            "id": f"BZ{i:03d}",
            "geometry": somewhere(rng),
            "properties": {"badge": f"BZ{i:03d}", "grid_id": "G01"},
        }
        for i in range(n)
    ]


async def log_in(page: Page, gateway: str, username: str, password: str) -> None:
    await page.goto(f"{gateway}/ops")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("body[data-ready=true]", timeout=120_000)
    await page.wait_for_selector("#live.live", timeout=30_000)


async def measure(gateway: str, accounts: dict[str, Any], args: argparse.Namespace) -> None:
    rng = random.Random(1)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page(viewport={"width": 1920, "height": 1080})
        await log_in(page, gateway, "dispatcher", accounts["dispatcher"]["password"])
        await page.wait_for_timeout(2000)
        base_fps = await page.evaluate(PAN, args.seconds)

        await page.evaluate("(f) => window.zongguan.inject(f)", synthetic_cases(args.cases, rng))
        moving = officers(args.officers, rng)
        await page.evaluate("(f) => window.zongguan.move(f)", moving)
        await page.wait_for_timeout(2000)
        # officers move every second while the map pans
        mover = asyncio.create_task(move_officers(page, moving, rng, args.seconds))
        loaded_fps = await page.evaluate(PAN, args.seconds)
        await mover
        print(f"pan, district only       {base_fps:6.1f} frames/s")
        print(
            f"pan, +{args.cases} cases +{args.officers} officers moving {loaded_fps:6.1f} frames/s"
        )
        print(f"ratio loaded/baseline    {loaded_fps / base_fps:6.2f}")

        # an event's way to the screen: 201 -> drawn, and the event's broker time -> drawn
        resident = accounts["resident"]
        async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
            login = {"username": resident["username"], "password": resident["password"]}
            token = (await client.post("/api/v1/auth/login", json=login)).json()["access_token"]
            places = (await client.get("/api/v1/patrol-points?limit=2000")).json()["features"]
            points = [
                (f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0])
                for f in rng.sample(places, args.reports)
            ]
            after_201, after_event, to_page = [], [], []
            for lat, lon in points:
                created = await client.post(
                    "/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                    json={"category": "C0104", "lat": lat, "lon": lon, "description": "bench"},
                )  # fmt: skip
                answered = time.time()
                if created.status_code != 201:
                    raise RuntimeError(f"a report was refused: {created.text}")
                case_id = created.json()["id"]
                await page.wait_for_function(
                    "(id) => window.zongguan.shown(id)", arg=case_id, polling=10, timeout=30_000
                )
                drawn = time.time()
                after_201.append(drawn - answered)
                seen = await page.evaluate("(id) => window.zongguan.eventTime(id)", case_id)
                after_event.append(drawn - seen["made"] / 1000)
                to_page.append((seen["got"] - seen["made"]) / 1000)
                await asyncio.sleep(0.3)
        rows = (
            ("201 -> drawn", after_201),
            ("event made -> drawn", after_event),
            ("event made -> in page", to_page),
        )
        for name, values in rows:
            values = sorted(values)
            p95 = values[int(0.95 * (len(values) - 1))]
            p50, top = statistics.median(values), values[-1]
            print(
                f"{name:22} p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  "
                f"max {top * 1000:6.0f} ms  (n={len(values)})"
            )
        await browser.close()


async def move_officers(
    page: Page, moving: list[dict[str, Any]], rng: random.Random, seconds: float
) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for f in moving:
            lon, lat = f["geometry"]["coordinates"]
            f["geometry"]["coordinates"] = [
                lon + rng.uniform(-1e-4, 1e-4),
                lat + rng.uniform(-1e-4, 1e-4),
            ]
        await page.evaluate("(f) => window.zongguan.move(f)", moving)
        await asyncio.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", help="a running platform on this machine")
    parser.add_argument(
        "--credentials", type=Path, default=REPO / ".data" / "demo-credentials.json"
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--officers", type=int, default=130)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--reports", type=int, default=20)
    args = parser.parse_args()
    proc = None
    if args.gateway:
        gateway, credentials = args.gateway, args.credentials
    else:
        proc, gateway, credentials = start_platform()
    try:
        accounts = {a["username"]: a for a in json.loads(credentials.read_text())["accounts"]}
        asyncio.run(measure(gateway, accounts, args))
    finally:
        if proc is not None:
            proc.send_signal(2)
            proc.wait(120)


if __name__ == "__main__":
    main()
