"""Coverage queries against 100,000 cameras: which cameras see a point.

    .venv/bin/python bench/camera_queries.py [--cameras 100000] [--queries 10000]

Places the cameras at random over the district's extent (kinds, heights, headings, fields of
view and ranges as in the default data set), then answers random coverage queries with the
camera index (zg_video_index.spatial) and, in the same run, with a brute-force vectorised scan
of every camera as the baseline; prints p50 and p99 per query of both, their ratio, and checks
that both give the same answers. Goal (issue #7): p99 at most 2 ms in-process.

Through the gateway: not in this script yet (the registry's HTTP side comes with issue #7's
next steps).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "video-index" / "src"))

from zg_common.geo import Projection  # noqa: E402
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
    args = parser.parse_args()
    rng = random.Random(args.seed)
    min_lon, min_lat, max_lon, max_lat = extent()
    plane = Projection((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
    index = CameraIndex(plane)
    lats, lons, headings, halves, ranges = [], [], [], [], []
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


if __name__ == "__main__":
    main()
