"""Coverage queries against 100,000 cameras: which cameras see a point.

    .venv/bin/python bench/camera_queries.py [--cameras 100000] [--queries 10000]
                                             [--skip-gateway]

In-process: places the cameras at random over the district's extent (kinds, heights, headings,
fields of view and ranges as in the default data set), then answers random coverage queries
with the camera index (zg_video_index.spatial) and, in the same run, with a brute-force
vectorised scan of every camera as the baseline; prints p50 and p99 per query of both, their
ratio, and checks that both give the same answers. Goal (issue #7): p99 at most 2 ms
in-process.

Through the gateway: starts the whole platform as `make run` does (its own PostgreSQL and
Kafka, in .data/bench-cameras, ports +20000), imports the same cameras through the registry's
CSV import, and asks the same number of coverage queries through the gateway as a shift
leader (`GET /api/v1/cameras/seeing`), one at a time; the baseline in the same run is the
gateway's read of one camera (`GET /api/v1/cameras/{id}`), interleaved with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "video-index" / "src"))

from zg_common.geo import Projection  # noqa: E402
from zg_local.readiness import platform_ready  # noqa: E402
from zg_video_index.spatial import CameraIndex, View  # noqa: E402

DISTRICT = ROOT / "deploy" / "data" / "fangxing" / "district.geojson"


def extent() -> tuple[float, float, float, float]:
    """min_lon, min_lat, max_lon, max_lat of the district."""
    coords: list[list[float]] = []

    def walk(node: object) -> None:
        if isinstance(node, list) and node and isinstance(node[0], (int, float)):
            coords.append(node)  # type: ignore[arg-type]
        elif isinstance(node, list):
            for child in node:
                walk(child)

    data = json.loads(DISTRICT.read_text(encoding="utf-8"))
    for feature in data.get("features", [data]):
        walk(feature["geometry"]["coordinates"])
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    return min(lons), min(lats), max(lons), max(lats)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 10) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cameras", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-gateway", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    min_lon, min_lat, max_lon, max_lat = extent()
    plane = Projection((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
    index = CameraIndex(plane)
    lats, lons, headings, halves, ranges = [], [], [], [], []
    csv_rows = []
    started = time.perf_counter()
    for n in range(args.cameras):
        lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
        kind = rng.random()
        if kind < 0.64:  # public security: on poles along roads
            view = View(rng.uniform(0, 360), rng.choice([60, 75, 90]), rng.uniform(80, 150))
        elif kind < 0.93:  # compound gates
            view = View(rng.uniform(0, 360), 90, rng.uniform(25, 50))
        else:  # body and vehicle units
            view = View(0, 360, 30)
        index.upsert(f"C{n:06d}", lat, lon, view)
        kind_name = (
            "public_security"
            if view.fov_deg < 360 and view.range_m >= 80
            else ("compound" if view.fov_deg < 360 else "body")
        )
        csv_rows.append(
            f"BENCH-{n:06d},{kind_name},bench {n},bench,{lat:.7f},{lon:.7f},,"
            + (f"{round(view.heading_deg, 2) % 360:.2f}" if view.fov_deg < 360 else "")
            + f",{view.fov_deg},{view.range_m:.1f},"
        )
        lats.append(lat)
        lons.append(lon)
        headings.append(view.heading_deg % 360)
        halves.append(view.fov_deg / 2)
        ranges.append(view.range_m)
    built = time.perf_counter() - started
    xs, ys = np.array([plane.to_xy(a, b) for a, b in zip(lats, lons, strict=True)]).T
    heading, half, reach = np.array(headings), np.array(halves), np.array(ranges)

    def brute(lat: float, lon: float) -> set[int]:
        x, y = plane.to_xy(lat, lon)
        dx, dy = x - xs, y - ys
        distance = np.hypot(dx, dy)
        off = np.abs((np.degrees(np.arctan2(dx, dy)) % 360 - heading + 180) % 360 - 180)
        seen = (distance <= reach + 1e-6) & ((half >= 180) | (off <= half + 1e-9))
        return set(np.flatnonzero(seen).tolist())

    queries = [
        (rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)) for _ in range(args.queries)
    ]
    indexed, scanned, found = [], [], 0
    for lat, lon in queries:
        t0 = time.perf_counter()
        got = index.covering(lat, lon)
        t1 = time.perf_counter()
        want = brute(lat, lon)
        t2 = time.perf_counter()
        indexed.append((t1 - t0) * 1000)
        scanned.append((t2 - t1) * 1000)
        found += len(got)
        if {int(c[1:]) for c, _ in got} != want:
            raise SystemExit(f"index and brute force disagree at {lat}, {lon}")
    print(
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{args.cameras} cameras over {max_lon - min_lon:.3f} x {max_lat - min_lat:.3f} degrees, "
        f"index built in {built:.2f} s; {args.queries} coverage queries, "
        f"{found / args.queries:.1f} cameras see a point on average; answers identical"
    )
    for label, times in (("index", indexed), ("brute force", scanned)):
        print(
            f"{label:>12}: p50 {percentile(times, 50):.3f} ms, p99 {percentile(times, 99):.3f} ms"
        )
    print(
        f"ratio index/brute force: p50 {percentile(indexed, 50) / percentile(scanned, 50):.3f}, "
        f"p99 {percentile(indexed, 99) / percentile(scanned, 99):.3f}"
    )
    print("goal: p99 at most 2 ms in-process")
    if not args.skip_gateway:
        through_gateway(csv_rows, queries)


HEADER = "id,kind,name,owner,lat,lon,height_m,heading_deg,fov_deg,range_m,stream_url"
CHUNK = 5_000  # rows an import request; the gateway gives a service 10 s to answer


def through_gateway(csv_rows: list[str], queries: list[tuple[float, float]]) -> None:
    folder = ROOT / ".data" / "bench-cameras"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ready = folder / "ready.json"
    env = dict(
        os.environ,
        ZG_GATEWAY_RATE_LIMIT_USER_PER_MINUTE="10000000",
        ZG_GATEWAY_RATE_LIMIT_BURST="1000000",
        ZG_SIMULATOR="off",  # the load is the bench's own
    )
    env.pop("DATABASE_URL", None)
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    with (folder / "platform.log").open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zg_local",
                "run",
                "--data-dir",
                str(folder),
                "--port-offset",
                "20000",
                "--ready-file",
                str(ready),
                "--ephemeral",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
        try:
            deadline = time.monotonic() + 300
            while not ready.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the platform did not start; see {folder / 'platform.log'}")
                time.sleep(0.5)
            gateway = json.loads(ready.read_text())["gateway"]
            with httpx.Client(base_url=gateway, timeout=120) as client:
                while not platform_ready(gateway):
                    time.sleep(0.5)
                accounts = json.loads((folder / "demo-credentials.json").read_text())["accounts"]
                password = {a["username"]: a["password"] for a in accounts}

                def login(name: str) -> dict[str, str]:
                    r = client.post(
                        "/api/v1/auth/login", json={"username": name, "password": password[name]}
                    )
                    r.raise_for_status()
                    return {"Authorization": f"Bearer {r.json()['access_token']}"}

                manager = login("manager")
                started = time.perf_counter()
                chunks = []
                for start in range(0, len(csv_rows), CHUNK):
                    chunk_started = time.perf_counter()
                    body = "\n".join([HEADER, *csv_rows[start : start + CHUNK]]) + "\n"
                    r = client.post(
                        "/api/v1/cameras/import",
                        content=body.encode(),
                        headers={**manager, "Content-Type": "text/csv"},
                    )
                    if r.status_code != 202:
                        raise SystemExit(f"import refused: {r.status_code} {r.text[:500]}")
                    while (job := client.get(r.headers["location"], headers=manager).json())[
                        "status"
                    ] not in ("done", "failed"):  # an import is a job: read until it ends
                        time.sleep(0.2)
                    if job["status"] != "done":
                        raise SystemExit(f"import failed: {job['error']}")
                    chunks.append(time.perf_counter() - chunk_started)
                imported = time.perf_counter() - started
                leader = login("shift-leader")
                seeing, single, found = [], [], 0
                for lat, lon in queries:
                    t0 = time.perf_counter()
                    r = client.get(
                        "/api/v1/cameras/seeing", params={"lat": lat, "lon": lon}, headers=leader
                    )
                    t1 = time.perf_counter()
                    b = client.get("/api/v1/cameras/TW-00001", headers=leader)
                    t2 = time.perf_counter()
                    if r.status_code != 200 or b.status_code != 200:
                        raise SystemExit(f"query failed: {r.status_code} {b.status_code}")
                    found += len(r.json()["features"])
                    seeing.append((t1 - t0) * 1000)
                    single.append((t2 - t1) * 1000)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(90)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(
        f"through the gateway: {len(csv_rows)} cameras imported by CSV in {imported:.1f} s "
        f"({len(chunks)} requests of {CHUNK}, the slowest {max(chunks):.1f} s) "
        f"(+ the 1,858 of the data set); {len(queries)} coverage queries, one at a time, "
        f"{found / len(queries):.1f} cameras in an answer on average"
    )
    for label, times in (("seeing", seeing), ("one camera", single)):
        print(
            f"{label:>12}: p50 {percentile(times, 50):.2f} ms, p99 {percentile(times, 99):.2f} ms"
        )
    print(
        f"ratio seeing/one camera: p50 {percentile(seeing, 50) / percentile(single, 50):.2f}, "
        f"p99 {percentile(seeing, 99) / percentile(single, 99):.2f}"
    )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
