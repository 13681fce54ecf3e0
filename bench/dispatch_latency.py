"""Report-to-dispatch latency at fixed arrival rates, and reads through the gateway meanwhile.

    .venv/bin/python bench/dispatch_latency.py [--rates 10,50,100,200] [--seconds 20]
        [--profile DIR] [--statements]

Starts the platform as `make run` does (like `intake_throughput.py`: its own data folder, ports
offset by 1000, durable PostgreSQL settings, verification of residents' reports off), waits
until it is at rest, then for each rate sends cases through the gateway in an open loop (each
report due at its time, whether or not the earlier ones were answered) and measures, per case:

- the 201: from when the report was due to its answer;
- dispatch: from the 201 to the `routing.case.dispatched.v1` event seen on the broker (a
  consumer of the bench's own, reading the topic's new records);
- read model: from the 201 to intake's case showing its department (a trigger the bench adds
  notifies it: `ReadModelWatch`);
- reads meanwhile: a resident reading one of their cases (`GET /api/v1/cases/{id}`) and a
  shift leader asking which cameras see a place (`GET /api/v1/cameras/seeing`), 10 a second
  each, through the gateway.

The baseline of the same run is the lowest rate. It prints p50/p95/p99 of each, the goals
beside them, the CPU of every process per case at each rate, the events each consumer poll and
relay batch carried at that rate, each service's collector pauses and event-loop lateness,
and the memory before and after; with `--profile DIR`, a py-spy profile of each service at
each rate (raw stacks in DIR/<rate>/); with `--statements`, PostgreSQL's statements per case
at each rate (`pg_stat_statements`), most time first.
Everything runs on this machine (the bench shares its two cores with the platform).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_throughput import (
    account_token,
    case_body,
    start_platform,
    statements_per_case,
    statements_reset,
)
from loadgen import Sent, open_loop, percentiles
from proctimes import CpuWindow, memory_table, wait_for_rest
from profiles import MetricsWindow, ServiceProfiles

from zg_local.reportable import places_and_categories

DISPATCHED = b"routing.case.dispatched.v1"
GOALS = {50: 100.0, 100: 250.0}  # p95 of 201 -> dispatched on the broker, ms
READ_GOAL = (100, 50.0)  # at 100 cases/s, reads' p99 in ms


class BrokerWatch:
    """When each case's dispatched event appears on the broker (from now on)."""

    def __init__(self, bootstrap: str) -> None:
        self.seen: dict[str, float] = {}
        self.consumer = AIOKafkaConsumer(
            "routing.case",
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            fetch_max_wait_ms=50,
        )
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.consumer.start()  # no group: every partition of the topic is assigned
        deadline = time.monotonic() + 30
        while not self.consumer.assignment():
            if time.monotonic() > deadline:
                raise SystemExit("the bench's consumer got no partition of routing.case")
            await asyncio.sleep(0.1)
        for tp in self.consumer.assignment():  # positioned at the end before any report
            await self.consumer.position(tp)
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=200)
            now = time.monotonic()
            for records in batches.values():
                for r in records:
                    if any(k == "ce_type" and v == DISPATCHED for k, v in r.headers or ()):
                        self.seen.setdefault((r.key or b"").decode(), now)

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
        await self.consumer.stop()


class ReadModelWatch:
    """When intake's case shows the department it was dispatched to.

    The bench adds a trigger to `intake.cases` in its own data folder: when a case gains its
    department, PostgreSQL notifies (`pg_notify`, delivered at the commit that makes the row
    visible) and the watch, listening, notes the moment. Its cost is one NOTIFY per dispatched
    case, counted as PostgreSQL's. The first version polled every 10 ms for the cases still
    waiting: while the read model trailed by seconds, that query (hundreds of ids a hundred
    times a second) was PostgreSQL's largest, and it grew with the lag it measured."""

    CHANNEL = "zg_bench_read_model"

    def __init__(self, database_url: str) -> None:
        self.url = database_url.replace("postgresql+asyncpg://", "postgresql://")
        self.seen: dict[str, float] = {}

    async def start(self) -> None:
        self.conn = await asyncpg.connect(self.url)
        await self.conn.execute(
            f"""
            CREATE OR REPLACE FUNCTION public.zg_bench_department_seen() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('{self.CHANNEL}', NEW.id::text); RETURN NULL; END $$;
            DROP TRIGGER IF EXISTS zg_bench_department_seen ON intake.cases;
            CREATE TRIGGER zg_bench_department_seen AFTER UPDATE OF department_id
            ON intake.cases FOR EACH ROW
            WHEN (NEW.department_id IS NOT NULL
                  AND OLD.department_id IS DISTINCT FROM NEW.department_id)
            EXECUTE FUNCTION public.zg_bench_department_seen();
            """
        )
        await self.conn.add_listener(self.CHANNEL, self._on_notify)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, case_id: str) -> None:
        self.seen.setdefault(case_id, time.monotonic())

    async def stop(self) -> None:
        await self.conn.execute("DROP TRIGGER IF EXISTS zg_bench_department_seen ON intake.cases")
        await self.conn.close()


def ms(values: list[float]) -> str:
    p50, p95, p99 = (1000 * v for v in percentiles(values))
    return f"p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms"


async def run_rate(
    rate: float,
    seconds: float,
    *,
    gateway: tuple[str, int],
    make_body,  # type: ignore[no-untyped-def]
    resident: dict[str, str],
    leader: dict[str, str],
    readable: list[str],
    points: list[tuple[float, float]],
    broker: BrokerWatch,
    model: ReadModelWatch,
    cpu: CpuWindow,
) -> dict[str, object]:
    host, port = gateway
    rng = random.Random(int(rate))
    answered: dict[str, float] = {}
    merged = 0

    def answer(sent: Sent) -> None:
        nonlocal merged
        if sent.status != 201:
            return
        body = json.loads(sent.body)
        if body.get("status") == "merged":  # follows an open case: never dispatched itself
            merged += 1
            return
        answered[body["id"]] = sent.done

    def reads(path: Callable[[int], str], headers: dict[str, str]) -> Awaitable[list[Sent]]:
        """GETs through the gateway, 10 a second, meanwhile."""
        return open_loop(
            host, port, "", None, rate=10, seconds=seconds, headers=headers, method="GET",
            make_path=path,
        )  # fmt: skip

    cpu.start()
    posts, case_reads, camera_reads = await asyncio.gather(
        open_loop(
            host,
            port,
            "/api/v1/cases",
            make_body,
            rate=rate,
            seconds=seconds,
            headers=resident,
            on_done=answer,
        ),
        reads(lambda i: f"/api/v1/cases/{rng.choice(readable)}", resident),
        reads(lambda i: "/api/v1/cameras/seeing?lat={}&lon={}".format(*rng.choice(points)), leader),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all(c in broker.seen and c in model.seen for c in answered):
            break
        await asyncio.sleep(0.1)
    cpu.stop()
    readable.extend(list(answered)[:50])
    statuses: dict[int, int] = {}
    for sent in posts:
        statuses[sent.status] = statuses.get(sent.status, 0) + 1
    return {
        "posts": posts,
        "statuses": statuses,
        "merged": merged,
        "dispatch": [broker.seen[c] - t for c, t in answered.items() if c in broker.seen],
        "model": [model.seen[c] - t for c, t in answered.items() if c in model.seen],
        "lost": sum(1 for c in answered if c not in broker.seen or c not in model.seen),
        "reads": [s.done - s.due for s in [*case_reads, *camera_reads] if s.status == 200],
        "case_reads": [s.done - s.due for s in case_reads if s.status == 200],
        "camera_reads": [s.done - s.due for s in camera_reads if s.status == 200],
        "read_errors": sum(1 for s in [*case_reads, *camera_reads] if s.status != 200),
        "cases": len(answered) + merged,
    }


def report(rate: float, seconds: float, r: dict[str, object], cpu: CpuWindow) -> None:
    posts: list[Sent] = r["posts"]  # type: ignore[assignment]
    ok = [s for s in posts if s.status == 201]
    span = max(s.done for s in posts) - min(s.due for s in posts) if posts else 1
    print(
        f"\n{rate:.0f} cases/s for {seconds:.0f} s: {len(ok)} accepted "
        f"({len(ok) / span:.1f}/s answered), statuses {dict(sorted(r['statuses'].items()))}, "  # type: ignore[attr-defined]
        f"{r['merged']} merged into open cases, {r['lost']} not seen dispatched within 120 s"
    )
    print(f"  201 (from when due)          {ms([s.done - s.due for s in ok])}")
    goal = GOALS.get(int(rate))
    dispatch: list[float] = r["dispatch"]  # type: ignore[assignment]
    line = f"  201 -> dispatched on broker  {ms(dispatch)}"
    if goal is not None:
        p95 = 1000 * percentiles(dispatch)[1]
        line += f"   goal p95 <= {goal:.0f} ms: {'met' if p95 <= goal else 'NOT met'}"
    print(line)
    print(f"  201 -> read model department {ms(r['model'])}")  # type: ignore[arg-type]
    reads: list[float] = r["reads"]  # type: ignore[assignment]
    line = f"  reads meanwhile (20/s)       {ms(reads)}   errors {r['read_errors']}"
    if int(rate) == READ_GOAL[0]:
        met = 1000 * percentiles(reads)[2] <= READ_GOAL[1]
        line += f"   goal p99 <= {READ_GOAL[1]:.0f} ms: {'met' if met else 'NOT met'}"
    print(line)
    print(f"    of which a case (intake)   {ms(r['case_reads'])}")  # type: ignore[arg-type]
    print(f"    cameras seeing (video-idx) {ms(r['camera_reads'])}")  # type: ignore[arg-type]
    print(cpu.table(int(r["cases"])))  # type: ignore[call-overload]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default="10,50,100,200")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="also sample each service with py-spy at each rate; raw profiles in DIR/<rate>/",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="also print PostgreSQL's statements per case at each rate (pg_stat_statements)",
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    points, categories = places_and_categories()
    proc, info = start_platform(statements=args.statements)
    try:
        url = str(info["gateway"])
        host, port = url.removeprefix("http://").split(":")
        pids = {str(k): int(v) for k, v in dict(info["pids"]).items()}  # type: ignore[call-overload]
        services = {str(k): str(v) for k, v in dict(info["services"]).items()}  # type: ignore[call-overload]
        rest = await asyncio.to_thread(wait_for_rest, pids)
        print(f"at rest: the platform's processes use {rest:.2f} of a core")
        print(memory_table("at rest", pids))
        resident = {"Authorization": f"Bearer {await account_token(url, 'resident')}"}
        leader = {"Authorization": f"Bearer {await account_token(url, 'shift_leader')}"}
        make_body = case_body(random.Random(7), points, categories)
        warm = await open_loop(
            host, int(port), "/api/v1/cases", make_body, rate=10, seconds=3, headers=resident
        )
        readable = [json.loads(s.body)["id"] for s in warm if s.status == 201]
        broker = BrokerWatch(str(info["kafka_bootstrap_servers"]))
        model = ReadModelWatch(str(info["database_url"]))
        await broker.start()
        await model.start()
        total = len(warm)
        try:
            for rate in rates:
                cpu = CpuWindow(pids)
                metrics = MetricsWindow({**services, "gateway": url})
                await metrics.start()
                if args.statements:
                    await statements_reset(str(info["database_url"]))
                profiles = (
                    ServiceProfiles(pids, args.profile / f"{rate:.0f}", args.seconds)
                    if args.profile
                    else None
                )
                with profiles or contextlib.nullcontext():
                    result = await run_rate(
                        rate,
                        args.seconds,
                        gateway=(host, int(port)),
                        make_body=make_body,
                        resident=resident,
                        leader=leader,
                        readable=readable,
                        points=points,
                        broker=broker,
                        model=model,
                        cpu=cpu,
                    )
                total += int(result["cases"])  # type: ignore[call-overload]
                report(rate, args.seconds, result, cpu)
                await metrics.stop()
                print(metrics.batch_sizes())
                print(metrics.gc_pauses())
                print(metrics.loop_lags())
                if args.statements:
                    print(
                        await statements_per_case(
                            str(info["database_url"]),
                            int(result["cases"]),  # type: ignore[call-overload]
                            20,
                            by_time=True,
                        )
                    )
                if profiles:
                    print(profiles.summary())
        finally:
            await broker.stop()
            await model.stop()
        print("\n" + memory_table(f"after {total} cases", pids))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(120)


if __name__ == "__main__":
    asyncio.run(main())
