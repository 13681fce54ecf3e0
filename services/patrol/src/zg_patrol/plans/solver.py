"""Walking routes for patrol officers: a vehicle-routing problem with time windows, solved with
PyVRP (chosen over OR-Tools on measured quality: `bench/patrol_solver_choice.py`).

Pure: jobs (visits with a place, a window and a service time) and walkers (officers with where
and when they start and must end) in, ordered stops with times out. Every job is optional with
a prize far above any walk, so the solver leaves one out only when no walker can reach it in its
window within the shift; those come back as `unassigned`. The plan given back is always feasible:
every stop in its window, every walker back by the end of their shift."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.PenaltyManager import PenaltyParams
from pyvrp.stop import MaxRuntime

from zg_common.geo import haversine_m

log = logging.getLogger(__name__)

# a visit is worth far more than any walk: one is dropped only when it cannot be reached
PRIZE = 10_000_000
# a case task (verify, check) is worth ten patrol visits: dropped last when not all fit
TASK_PRIZE = 10 * PRIZE
# a second late must cost more than any prize, or the search keeps a late task (infeasible) over
# any plan that is on time: PyVRP's default bound (100,000 a second) made a task worth a quarter
# of an hour's lateness, and a night shift's plan came back infeasible, so empty
PARAMS = pyvrp.SolveParams(penalty=PenaltyParams(max_penalty=10 * TASK_PRIZE))


@dataclass(frozen=True)
class Walking:
    speed_m_per_min: float = 70.0
    detour_factor: float = 1.3  # streets are longer than the straight line

    def seconds(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """Walking time between two places (lat, lon)."""
        meters = haversine_m(a[0], a[1], b[0], b[1]) * self.detour_factor
        return meters / self.speed_m_per_min * 60


@dataclass(frozen=True)
class Job:
    id: str
    lat: float
    lon: float
    window_start: datetime
    window_end: datetime  # the visit must begin by then
    service_s: int
    prize: int = PRIZE


@dataclass(frozen=True)
class Walker:
    id: str
    start: tuple[float, float]  # lat, lon
    start_at: datetime
    end: tuple[float, float]
    end_at: datetime


@dataclass(frozen=True)
class Stop:
    job_id: str
    arrive_at: datetime  # service begins (after any wait for the window)
    leave_at: datetime


@dataclass
class Solved:
    routes: dict[str, list[Stop]]  # walker id -> stops in order (walkers without work: [])
    length_m: dict[str, int]
    unassigned: list[str]
    seconds: float

    @property
    def total_length_m(self) -> int:
        return sum(self.length_m.values())


def solve(
    jobs: Sequence[Job],
    walkers: Sequence[Walker],
    *,
    walking: Walking,
    time_limit_s: float,
    seed: int = 1,
) -> Solved:
    started = time.perf_counter()
    if not jobs or not walkers:
        return Solved(
            routes={w.id: [] for w in walkers},
            length_m={w.id: 0 for w in walkers},
            unassigned=[j.id for j in jobs],
            seconds=time.perf_counter() - started,
        )
    t0 = min(w.start_at for w in walkers)
    data = problem(jobs, walkers, walking=walking, t0=t0)
    with warnings.catch_warnings(record=True) as struggled:
        # PyVRP warns when it finds no feasible solution easily (little of a shift left, more
        # visits than time): the plan then leaves visits unplanned, which is the answer; the
        # warning is noted, never raised (a test run turns warnings into errors)
        warnings.simplefilter("always", PenaltyBoundWarning)
        result = pyvrp.solve(
            data,
            stop=MaxRuntime(time_limit_s),
            seed=seed,
            collect_stats=False,
            display=False,
            params=PARAMS,
        )
    if struggled:
        log.info(
            "the solver struggled to find a feasible plan",
            extra={"jobs": len(jobs), "walkers": len(walkers)},
        )
    best = result.best if result.best.is_feasible() else _feasible_part(data, result.best)
    routes: dict[str, list[Stop]] = {w.id: [] for w in walkers}
    length: dict[str, int] = {w.id: 0 for w in walkers}
    served: set[int] = set()
    for route in best.routes():
        walker = walkers[route.vehicle_type()]
        stops = []
        for activity in route.schedule():
            if not activity.is_client():
                continue
            served.add(activity.idx)
            stops.append(
                Stop(
                    job_id=jobs[activity.idx].id,
                    arrive_at=t0 + timedelta(seconds=activity.start_time),
                    leave_at=t0 + timedelta(seconds=activity.end_time),
                )
            )
        routes[walker.id] = stops
        length[walker.id] = int(route.distance())
    return Solved(
        routes=routes,
        length_m=length,
        unassigned=[j.id for k, j in enumerate(jobs) if k not in served],
        seconds=time.perf_counter() - started,
    )


def problem(
    jobs: Sequence[Job], walkers: Sequence[Walker], *, walking: Walking, t0: datetime
) -> pyvrp.ProblemData:
    """The routing problem in PyVRP's terms, times in seconds from `t0`: client k is jobs[k],
    vehicle type k is walkers[k]."""

    def secs(moment: datetime) -> int:
        return int((moment - t0).total_seconds())

    # places: the walkers' start and end places first (depots), then the jobs' (shared by the
    # visits of one point)
    places: list[tuple[float, float]] = []
    index: dict[tuple[float, float], int] = {}

    def place(p: tuple[float, float]) -> int:
        if p not in index:
            index[p] = len(places)
            places.append(p)
        return index[p]

    for w in walkers:
        place(w.start)
        place(w.end)
    depot_places = list(range(len(places)))
    job_places = [place((j.lat, j.lon)) for j in jobs]

    lat = np.radians([p[0] for p in places])
    lon = np.radians([p[1] for p in places])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    meters = 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(h, 0, 1))) * walking.detour_factor
    distance = np.rint(meters).astype(np.int64)
    duration = np.rint(meters / walking.speed_m_per_min * 60).astype(np.int64)

    horizon_end = max(secs(w.end_at) for w in walkers)
    depots = [pyvrp.Depot(location=i, tw_early=0, tw_late=horizon_end) for i in depot_places]
    clients = [
        pyvrp.Client(
            location=job_places[k],
            service_duration=j.service_s,
            tw_early=max(secs(j.window_start), 0),
            tw_late=max(secs(j.window_end), 0),
            prize=j.prize,
            required=False,
        )
        for k, j in enumerate(jobs)
    ]
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=1,
            start_depot=index[w.start],
            end_depot=index[w.end],
            tw_early=secs(w.start_at),
            tw_late=secs(w.end_at),
            shift_duration=secs(w.end_at) - secs(w.start_at),
            name=w.id,
        )
        for w in walkers
    ]
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(x=int(p[1] * 1e6), y=int(p[0] * 1e6)) for p in places],
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[distance],
        duration_matrices=[duration],
    )


def _feasible_part(data: pyvrp.ProblemData, best: pyvrp.Solution) -> pyvrp.Solution:
    """What of an infeasible solution fits: each route keeps its order, and its visits are taken
    back in by prize (case tasks first, then in route order) while the route stays on time;
    the rest is left out, so a late visit never costs the visits that fit."""
    clients = data.clients()
    routes = []
    for route in best.routes():
        order = [a.idx for a in route.schedule() if a.is_client()]
        position = {c: n for n, c in enumerate(order)}
        kept: list[int] = []
        for c in sorted(order, key=lambda c: (-clients[c].prize, position[c])):
            trial = sorted([*kept, c], key=position.__getitem__)
            if pyvrp.Route(data, trial, route.vehicle_type()).is_feasible():
                kept = trial
        if kept:
            routes.append(pyvrp.Route(data, kept, route.vehicle_type()))
    return pyvrp.Solution(data, routes)
