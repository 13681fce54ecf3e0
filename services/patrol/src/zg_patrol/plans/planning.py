"""The day's patrol plan: the required visits of every point, given to the officers on shift in
the point's grid, each officer's visits ordered into a walking route that keeps the windows
and the shift. One routing problem per grid and shift, solved side by side in worker
processes within one time budget; every visit is planned or comes back with the reason it
cannot be."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from zg_patrol.plans.solver import Job, Solved, Walker, Walking, solve
from zg_patrol.requirements import Requirements, Visit

NO_OFFICER = "no_officer_on_shift"
UNREACHABLE = "not_reachable_in_window"
MIN_SLICE_S = 0.05


@dataclass(frozen=True)
class OfficerRef:
    badge: str
    grid_id: str
    shift: str


@dataclass(frozen=True)
class Planned:
    visit: Visit
    officer: str | None
    seq: int | None
    eta: datetime | None
    reason: str | None = None  # why it is not planned


@dataclass
class DayPlan:
    day: date
    visits: list[Planned]
    length_m: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    problems: int = 0

    @property
    def total_length_m(self) -> int:
        return sum(self.length_m.values())

    @property
    def unplanned(self) -> list[Planned]:
        return [p for p in self.visits if p.officer is None]


@dataclass(frozen=True)
class Problem:
    """One grid's visits in one shift, and the officers who walk them."""

    grid_id: str
    shift: str
    visits: tuple[Visit, ...]
    walkers: tuple[Walker, ...]


def problems_of(
    day: date,
    visits: Iterable[Visit],
    officers: Iterable[OfficerRef],
    bases: Mapping[str, tuple[float, float]],
    requirements: Requirements,
    absent: Mapping[tuple[str, str], datetime] | None = None,
    now: datetime | None = None,
) -> list[Problem]:
    """Visits grouped by grid and shift, each group with its officers, who start and end the
    shift at the grid's base (a shift under way: from `now`); an officer absent from a moment
    of the shift (`absent`, by badge and shift) walks until then, one absent from its start
    not at all."""
    absent = absent or {}
    grouped: dict[tuple[str, str], list[Visit]] = defaultdict(list)
    for v in visits:
        grouped[(v.grid_id, v.shift)].append(v)
    crews: dict[tuple[str, str], list[str]] = defaultdict(list)
    for o in officers:
        crews[(o.grid_id, o.shift)].append(o.badge)
    out = []
    for (grid_id, shift_id), group in sorted(grouped.items()):
        begin, end = requirements.shift(shift_id).on(day, requirements.zone)
        if now is not None:
            begin = max(begin, now)
        base = bases[grid_id]
        walkers = tuple(
            Walker(badge, base, begin, base, min(end, absent.get((badge, shift_id), end)))
            for badge in sorted(crews[(grid_id, shift_id)])
            if absent.get((badge, shift_id), end) > begin
        )
        out.append(Problem(grid_id, shift_id, tuple(group), walkers))
    return out


@dataclass(frozen=True)
class Call:
    """One routing problem for the solver, with its share of the time budget."""

    jobs: tuple[Job, ...]
    walkers: tuple[Walker, ...]
    time_limit_s: float


def _solve_call(call: Call, walking: Walking, seed: int) -> Solved:
    return solve(
        call.jobs, call.walkers, walking=walking, time_limit_s=call.time_limit_s, seed=seed
    )


def solve_calls(
    calls: Sequence[Call],
    *,
    walking: Walking,
    workers: int,
    seed: int = 1,
    in_process: bool = False,
) -> list[Solved]:
    """Solve each call, side by side in `workers` fresh worker processes, or here when
    `in_process` (tests, benches). A service never solves in its own process: PyVRP's C++
    steps hold the GIL, and the event loop, which gives the GIL up at every socket call, then
    waits for it each time — a patrol process re-planning in a thread answered check-ins
    after 5–17 s in the simulated day."""
    results: dict[int, Solved] = {
        i: _solve_call(c, walking, seed)
        for i, c in enumerate(calls)
        if in_process or not c.jobs or not c.walkers  # nothing to search
    }
    # the largest first, so the workers finish together; fresh processes (not forks of a
    # process with an event loop and threads)
    order = sorted(
        (i for i in range(len(calls)) if i not in results), key=lambda i: -calls[i].time_limit_s
    )
    if not order:
        return [results[i] for i in range(len(calls))]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["zg_patrol.plans.solver"])  # workers start with PyVRP loaded
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(order))), mp_context=context)
    try:
        futures = {pool.submit(_solve_call, calls[i], walking, seed): i for i in order}
        pending = set(futures)
        while pending:
            if STOPPING.is_set():
                _abandon(pool)
                raise PlanningStopped("the service is stopping")
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            for future in done:
                results[futures[future]] = future.result()
    finally:
        pool.shutdown(wait=not STOPPING.is_set(), cancel_futures=True)
    return [results[i] for i in range(len(calls))]


def solve_problems(
    problems: Sequence[Problem],
    *,
    walking: Walking,
    time_limit_s: float,
    workers: int,
    seed: int = 1,
    in_process: bool = False,
) -> list[Solved]:
    """Solve the problems side by side in `workers` processes; the budget is shared in
    proportion to their visits, so that the whole takes about `time_limit_s`."""
    total = sum(len(p.visits) for p in problems if p.walkers) or 1
    share = max(workers, 1)
    calls = [
        Call(
            tuple(
                Job(v.id, v.lat, v.lon, v.window_start, v.window_end, v.service_s) for v in p.visits
            ),
            p.walkers,
            max(time_limit_s * share * len(p.visits) / total, MIN_SLICE_S) if p.walkers else 0.0,
        )
        for p in problems
    ]
    return solve_calls(calls, walking=walking, workers=workers, seed=seed, in_process=in_process)


# Set when the service shuts down: a plan being solved stops at once instead of holding the
# process until its budget is spent (the supervisor would kill it after 15 s).
STOPPING = threading.Event()


class PlanningStopped(Exception):
    pass


def _abandon(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's solvers now: queued problems cancelled, running ones terminated."""
    processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list(processes.values()):
        process.terminate()


def plan_day(
    day: date,
    visits: Sequence[Visit],
    officers: Sequence[OfficerRef],
    bases: Mapping[str, tuple[float, float]],
    requirements: Requirements,
    *,
    time_limit_s: float,
    workers: int,
    seed: int = 1,
    absent: Mapping[tuple[str, str], datetime] | None = None,
    now: datetime | None = None,
    in_process: bool = False,
) -> DayPlan:
    started = time.perf_counter()
    problems = problems_of(day, visits, officers, bases, requirements, absent, now)
    solved = solve_problems(
        problems,
        walking=requirements.walking,
        time_limit_s=time_limit_s,
        workers=workers,
        seed=seed,
        in_process=in_process,
    )
    plan = DayPlan(day=day, visits=[], problems=len(problems))
    for problem, result in zip(problems, solved, strict=True):
        by_id = {v.id: v for v in problem.visits}
        for badge, stops in result.routes.items():
            plan.length_m[badge] = result.length_m[badge]
            for seq, stop in enumerate(stops, start=1):
                plan.visits.append(Planned(by_id[stop.job_id], badge, seq, stop.arrive_at))
        reason = UNREACHABLE if problem.walkers else NO_OFFICER
        for job_id in result.unassigned:
            plan.visits.append(Planned(by_id[job_id], None, None, None, reason))
    plan.seconds = time.perf_counter() - started
    return plan
