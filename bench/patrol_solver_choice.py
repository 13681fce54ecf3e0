"""Why PyVRP: the same patrol problem (one grid's day shift from the default data set) solved by
PyVRP, as the planner does, and by OR-Tools' routing library (guided local search, the same
walking times, windows, shift and drop penalty), at the same time limits.

    .tools/bin/uv run --with ortools python bench/patrol_solver_choice.py [--grid G04] [--shift day]

OR-Tools is not a dependency of the project; `uv run --with ortools` brings it for this run.
Prints, per solver and time limit, the walking length and the visits left out.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "patrol" / "src"))

from zg_common.geo import haversine_m  # noqa: E402
from zg_patrol.places import grid_base  # noqa: E402
from zg_patrol.plans.planning import OfficerRef, Problem, problems_of  # noqa: E402
from zg_patrol.plans.solver import PRIZE, Job, Walking, solve  # noqa: E402
from zg_patrol.requirements import PointRef, Requirements  # noqa: E402

DATA = ROOT / "deploy" / "data" / "fangxing"
DAY = date(2026, 12, 1)


def read(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def the_problem(grid_id: str, shift: str) -> tuple[Problem, Requirements]:
    requirements = Requirements(read("patrol_requirements.json"))
    grids = read("grids.geojson")["features"]
    zone_of = {g["properties"]["id"]: g["properties"]["zone_type"] for g in grids}
    points = [
        PointRef(
            f["properties"]["id"],
            f["properties"]["grid_id"],
            zone_of[f["properties"]["grid_id"]],
            f["properties"]["object_type"],
            f["geometry"]["coordinates"][1],
            f["geometry"]["coordinates"][0],
        )
        for f in read("patrol_points.geojson")["features"]
        if f["properties"]["grid_id"] == grid_id
    ]
    officers = [OfficerRef(o["badge"], o["grid_id"], o["shift"]) for o in read("officers.json")]
    bases = {g["properties"]["id"]: grid_base(g["geometry"]) for g in grids}
    problems = problems_of(DAY, requirements.visits(DAY, points), officers, bases, requirements)
    return next(p for p in problems if p.shift == shift), requirements


def with_pyvrp(problem: Problem, walking: Walking, limit: float) -> tuple[int, int, float]:
    jobs = [
        Job(v.id, v.lat, v.lon, v.window_start, v.window_end, v.service_s) for v in problem.visits
    ]
    solved = solve(jobs, problem.walkers, walking=walking, time_limit_s=limit)
    return solved.total_length_m, len(solved.unassigned), solved.seconds


def with_ortools(problem: Problem, walking: Walking, limit: float) -> tuple[int, int, float]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    started = time.perf_counter()
    base = problem.walkers[0].start
    places = [base] + [(v.lat, v.lon) for v in problem.visits]
    meters = [[int(haversine_m(*a, *b) * walking.detour_factor) for b in places] for a in places]
    t0 = problem.walkers[0].start_at
    shift_s = int((problem.walkers[0].end_at - t0).total_seconds())
    manager = pywrapcp.RoutingIndexManager(len(places), len(problem.walkers), 0)
    routing = pywrapcp.RoutingModel(manager)

    def distance(i: int, j: int) -> int:
        return int(meters[manager.IndexToNode(i)][manager.IndexToNode(j)])

    def duration(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        service = problem.visits[a - 1].service_s if a else 0
        return int(meters[a][b] / walking.speed_m_per_min * 60) + service

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(distance))
    routing.AddDimension(routing.RegisterTransitCallback(duration), shift_s, shift_s, False, "t")
    clock = routing.GetDimensionOrDie("t")
    for k, v in enumerate(problem.visits, start=1):
        index = manager.NodeToIndex(k)
        early = max(int((v.window_start - t0).total_seconds()), 0)
        clock.CumulVar(index).SetRange(early, int((v.window_end - t0).total_seconds()))
        routing.AddDisjunction([index], PRIZE)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(limit * 1000))
    solution = routing.SolveWithParameters(params)
    length, served = 0, 0
    for vehicle in range(len(problem.walkers)):
        i = routing.Start(vehicle)
        while not routing.IsEnd(i):
            j = solution.Value(routing.NextVar(i))
            length += distance(i, j)
            served += not routing.IsEnd(j)
            i = j
    return length, len(problem.visits) - served, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", default="G04")
    parser.add_argument("--shift", default="day")
    parser.add_argument("--limits", default="0.5,2,5")
    args = parser.parse_args()
    problem, requirements = the_problem(args.grid, args.shift)
    print(
        f"{args.grid} {args.shift} shift: {len(problem.visits)} visits, "
        f"{len(problem.walkers)} officers"
    )
    for limit in (float(x) for x in args.limits.split(",")):
        for name, run in (("PyVRP", with_pyvrp), ("OR-Tools", with_ortools)):
            length, left_out, seconds = run(problem, requirements.walking, limit)
            print(
                f"{name:>8} limit {limit:4.1f} s: {length / 1000:7.2f} km, "
                f"{left_out:3d} visits left out ({seconds:.2f} s)"
            )


if __name__ == "__main__":
    main()
