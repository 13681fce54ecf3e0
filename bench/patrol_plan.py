"""A full day's patrol plan for the default territory, and in the same run a reference solve
with ten times the time limit.

    .venv/bin/python bench/patrol_plan.py [--limit 7] [--workers 2] [--day 2026-12-01]

Builds the day's visits from the data set (patrol_requirements.json, every patrol point, every
officer on their shift), solves one routing problem per grid and shift with PyVRP in worker
processes, and prints the wall time, the total walking length, the visits planned and left
out; then the same with ten times the limit, and the ratio of the lengths. Goal (issue #6): at
most 10 s, within 3 % of the reference.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "patrol" / "src"))

from zg_patrol.places import grid_base  # noqa: E402
from zg_patrol.plans.planning import DayPlan, OfficerRef, plan_day  # noqa: E402
from zg_patrol.requirements import PointRef, Requirements  # noqa: E402

DATA = ROOT / "deploy" / "data" / "fangxing"


def read(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def show(label: str, plan: DayPlan) -> None:
    planned = len(plan.visits) - len(plan.unplanned)
    print(
        f"{label:>10}: {plan.seconds:6.2f} s wall, {plan.total_length_m / 1000:8.1f} km walked, "
        f"{planned}/{len(plan.visits)} visits planned, {len(plan.unplanned)} left out "
        f"({plan.problems} grid-shift problems)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=float, default=7.0, help="solver budget in seconds")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 12, 1))
    args = parser.parse_args()

    requirements = Requirements(read("patrol_requirements.json"))
    grids = read("grids.geojson")["features"]
    zone_of = {g["properties"]["id"]: g["properties"]["zone_type"] for g in grids}
    bases = {g["properties"]["id"]: grid_base(g["geometry"]) for g in grids}
    points = [
        PointRef(
            id=f["properties"]["id"],
            grid_id=f["properties"]["grid_id"],
            zone_type=zone_of[f["properties"]["grid_id"]],
            object_type=f["properties"]["object_type"],
            lat=f["geometry"]["coordinates"][1],
            lon=f["geometry"]["coordinates"][0],
        )
        for f in read("patrol_points.geojson")["features"]
    ]
    officers = [OfficerRef(o["badge"], o["grid_id"], o["shift"]) for o in read("officers.json")]
    visits = requirements.visits(args.day, points)
    print(
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{args.day}: {len(points)} points, {len(officers)} officers, {len(visits)} visits"
    )
    fast = plan_day(
        args.day, visits, officers, bases, requirements,
        time_limit_s=args.limit, workers=args.workers,
    )  # fmt: skip
    show("plan", fast)
    reference = plan_day(
        args.day, visits, officers, bases, requirements,
        time_limit_s=10 * args.limit, workers=args.workers,
    )  # fmt: skip
    show("reference", reference)
    ratio = fast.total_length_m / max(reference.total_length_m, 1)
    print(
        f"length ratio plan/reference: {ratio:.4f} ({(ratio - 1) * 100:+.2f} %); "
        f"visits planned {len(fast.visits) - len(fast.unplanned)} vs "
        f"{len(reference.visits) - len(reference.unplanned)}; plan wall time {fast.seconds:.2f} s"
    )
    print("goal: at most 10 s, within 3 % of the reference")


if __name__ == "__main__":
    main()
