"""Scoring's replay: a year of a city of 100 districts as lifecycle events, replayed into empty
projections through the real broker.

    .venv/bin/python bench/scoring_replay.py [--events 1000000] [--keep]

Starts its own PostgreSQL and Kafka (`zg_local infra`, in .data/bench-scoring, ports +21000),
generates `--events` events (cases reported, filed, dispatched, returned, extended, hung,
disposed, checked, closed, rated and cancelled; officers' shifts, check-ins, missed visits and
point ratings; departments and the territory), publishes them to the platform's topics, then
in the same run:

- baseline: reads every event back from the broker and decodes it as a CloudEvent, doing
  nothing else;
- replay: `zg_scoring.rebuild_processes.run` into empty projections (what `python -m zg_scoring
  rebuild` and `POST /api/v1/scores/rebuilds` run: the partitions shared among processes
  forked from this one);
- current: every month's department, officer and grid indicators computed once after it.

Prints events per second of both, their ratio, and the time until every indicator of every
month is current. Goal (issue #13): at least 20,000 events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".data" / "bench-scoring"
OFFSET = 21000
YEAR = 2025
TZ8 = timedelta(hours=8)
SQUARE = {"type": "Polygon", "coordinates": [[[117, 31], [117.01, 31], [117.01, 31.01], [117, 31]]]}


def iso(moment: datetime) -> str:
    return moment.isoformat()


def envelope(kind: str, source: str, subject: str, data: dict[str, Any], at: datetime) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": source,
            "type": kind,
            "subject": subject,
            "time": iso(at),
            "datacontenttype": "application/json",
            "data": data,
        }
    ).encode()


class City:
    """100 districts: each 14 grids, 10 departments (3 contractors), 130 officers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.districts = [f"D{d:03d}" for d in range(100)]
        self.grids = [f"{d}G{g:02d}" for d in self.districts for g in range(1, 15)]
        self.departments = {d: [f"{d}-dept{n}" for n in range(10)] for d in self.districts}
        self.officers = {g: [f"{g}-ZG{n}" for n in range(9)] for g in self.grids}


Record = tuple[str, bytes, bytes, str]  # topic, key, value, event type


def generate(total: int, seed: int) -> list[Record]:
    """(topic, key, value, type) in publication order: as they happened (the order of their
    times), so a case's steps are spread over the year's log among those of the cases open with
    it."""
    rng = random.Random(seed)
    city = City(rng)
    out: list[tuple[datetime, int, Record]] = []
    start = datetime(YEAR, 1, 1, tzinfo=UTC) - TZ8

    def emit(topic: str, kind: str, subject: str, data: dict[str, Any], at: datetime) -> None:
        value = envelope(kind, "/bench", subject, data, at)
        out.append((at, len(out), (topic, subject.encode(), value, kind)))

    for d, departments in city.departments.items():
        for n, dep in enumerate(departments):
            emit("routing.department", "routing.department.changed.v1", dep, {
                "department_id": dep, "name": dep, "name_en": dep,
                "mode": "assessed" if n < 3 else "command", "calendar_id": "24x7",
                "grid_ids": [g for g in city.grids if g.startswith(d)], "change": "loaded",
                "at": iso(start)}, start)  # fmt: skip
    for g in city.grids:
        emit("patrol.territory", "patrol.territory.changed.v1", f"grid/{g}", {
            "subject": f"grid/{g}", "change": "created", "at": iso(start),
            "grid": {"id": g, "code": g, "name": g, "name_en": g, "zone_type": "core",
                     "area_m2": 400_000, "geometry": SQUARE}}, start)  # fmt: skip
    sources = ["officer_handset"] * 5 + ["resident_app", "qr_scan", "hotline_12345", "camera"]
    n = 0
    while len(out) < total:
        n += 1
        grid = rng.choice(city.grids)
        district = grid[:4]
        dep = rng.choice(city.departments[district])
        officer = rng.choice(city.officers[grid])
        at = start + timedelta(seconds=rng.randrange(365 * 86400))
        case = f"case-{n}"
        source = rng.choice(sources)
        emit("intake.case", "intake.case.reported.v1", case, {
            "case_id": case, "number": f"N{n}", "category": "C0101",
            "category_kind": "component", "lat": 31.0, "lon": 117.0, "description": "bench",
            "source": source, "reported_at": iso(at), "grid_id": grid, "zone_type": "core",
            "reporter_badge": officer if source == "officer_handset" else None}, at)  # fmt: skip
        t = at
        deadline = [t + timedelta(hours=rng.choice((4, 24, 48)))]

        def step(
            action: str,
            to: str,
            department: str | None,
            case: str = case,
            deadline: list[datetime] = deadline,
            **extra: Any,
        ) -> None:
            nonlocal t
            t += timedelta(minutes=rng.randrange(5, 600))
            emit("routing.case", "routing.case.transitioned.v1", case, {
                "case_id": case, "action": action, "from_status": "x", "to_status": to,
                "actor_role": "system", "department_id": department,
                "due_at": iso(deadline[0]), "at": iso(t), **extra}, t)  # fmt: skip

        step("accept", "accepted", None)
        step("file", "filed", None)
        step("dispatch", "dispatched", dep)
        roll = rng.random()
        if roll < 0.03:
            step("cancel", "cancelled", dep)
            continue
        if roll < 0.08:  # returned and dispatched to another department
            step("request_return", "return_pending", dep)
            step("approve_return", "filed", None, from_department_id=dep)
            dep = rng.choice(city.departments[district])
            step("dispatch", "dispatched", dep)
        if rng.random() < 0.05:
            step("request_extension", "extension_pending", dep)
            deadline[0] += timedelta(hours=24)
            step("approve_extension", "dispatched", dep)
        if rng.random() < 0.03:
            step("request_hang", "hang_pending", dep)
            step("approve_hang", "hung", dep)
            step("resume", "dispatched", dep)
        if rng.random() < 0.04:
            continue  # still open
        step("dispose", "disposed", dep)
        step("request_check", "checking", dep)
        if rng.random() < 0.08:
            step("fail_check", "dispatched", dep, actor_badge=officer, stage_on_time=True)
            step("dispose", "disposed", dep)
            step("request_check", "checking", dep)
        step("pass_check", "checked", dep, actor_badge=officer,
             stage_on_time=rng.random() < 0.9)  # fmt: skip
        step("close", "closed", dep)
        if rng.random() < 0.2:
            emit("intake.case", "intake.case.rated.v1", case, {
                "case_id": case, "number": f"N{n}", "category": "C0101",
                "department_id": dep, "grid_id": grid, "score": rng.randint(1, 5),
                "rater_role": "resident", "rated_at": iso(t + timedelta(hours=2))},
                t)  # fmt: skip
        if rng.random() < 0.15:  # the officer's patrol around it
            for k in range(3):
                v_at = at + timedelta(minutes=30 * k)
                visit = f"v-{n}-{k}"
                if rng.random() < 0.9:
                    emit("patrol.checkin", "patrol.checkin.recorded.v1", officer, {
                        "outcome": "on_time", "badge": officer, "point_id": "P1",
                        "grid_id": grid, "visit_id": visit, "window_start": None,
                        "window_end": None, "distance_m": 3.0, "accuracy_m": 5.0,
                        "at": iso(v_at)}, v_at)  # fmt: skip
                else:
                    emit("patrol.plan", "patrol.plan.visit_missed.v1", visit, {
                        "visit_id": visit, "day": (v_at + TZ8).date().isoformat(),
                        "point_id": "P1", "grid_id": grid, "shift": "day",
                        "officer_badge": officer, "window_start": iso(v_at),
                        "window_end": iso(v_at), "at": iso(v_at)}, v_at)  # fmt: skip
    out.sort(key=lambda e: (e[0], e[1]))
    return [record for _, _, record in out[:total]]


def cpu_seconds(names: tuple[str, ...]) -> float:
    """CPU time so far (user + system) of this machine's processes with these names and of
    their children that have ended, from /proc/<pid>/stat (PostgreSQL's backends, the
    postmaster holding those of the connections closed, Kafka's JVM)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        if comm in names:
            fields = stat[stat.rindex(")") + 2 :].split()
            total += sum(int(f) for f in fields[11:15]) / tick
    return total


def start_infra() -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    if DATA.exists():
        shutil.rmtree(DATA)
    DATA.mkdir(parents=True)
    ready = DATA / "infra.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "zg_local", "infra", "--data-dir", str(DATA / "infra"),
         "--port-offset", str(OFFSET), "--ephemeral", "--ready-file", str(ready)],
        stdout=(DATA / "infra.log").open("wb"), stderr=subprocess.STDOUT, cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("infra did not start; see " + str(DATA / "infra.log"))
        time.sleep(0.3)
    return proc, json.loads(ready.read_text())


async def publish(bootstrap: str, records: list[Record]) -> None:
    """As the platform's outbox relays publish: the CloudEvent as the value, its type in the
    `ce_type` header."""
    from aiokafka import AIOKafkaProducer

    from zg_common.contracts.scoring import REPLAYED_TOPICS
    from zg_common.events import CLOUDEVENTS_CONTENT_TYPE, HEADER_CONTENT_TYPE, HEADER_EVENT_TYPE
    from zg_common.kafka import ensure_topics
    from zg_common.kafka_cluster import TopicPlan

    content_type = CLOUDEVENTS_CONTENT_TYPE.encode()
    await ensure_topics(bootstrap, REPLAYED_TOPICS, plan=TopicPlan(), kept=REPLAYED_TOPICS)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=1 << 20, acks=1
    )
    await producer.start()
    try:
        pending = []
        for topic, key, value, kind in records:
            headers = [(HEADER_CONTENT_TYPE, content_type), (HEADER_EVENT_TYPE, kind.encode())]
            pending.append(await producer.send(topic, value, key=key, headers=headers))
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def baseline(bootstrap: str) -> tuple[int, float]:
    """Every event read back and decoded, nothing done with it."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from zg_common.contracts.scoring import REPLAYED_TOPICS
    from zg_common.events import decode_event

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
        enable_auto_commit=False, isolation_level="read_committed",
        max_partition_fetch_bytes=8 << 20, fetch_max_bytes=64 << 20,
    )  # fmt: skip
    await consumer.start()
    started = time.perf_counter()
    read = 0
    try:
        cluster = await consumer._client.fetch_all_metadata()
        parts = [TopicPartition(t, p) for t in REPLAYED_TOPICS
                 for p in sorted(cluster.partitions_for_topic(t) or ())]  # fmt: skip
        consumer.assign(parts)
        end = await consumer.end_offsets(parts)
        remaining = {tp for tp in parts if end[tp] > 0}
        while remaining:
            polled = await consumer.getmany(*remaining, timeout_ms=1000, max_records=5000)
            for records in polled.values():
                for r in records:
                    decode_event(r.value)
                    read += 1
            for tp in list(remaining):
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return read, time.perf_counter() - started


async def prepare(settings: Any) -> tuple[int, float]:
    """Scoring's schema, then the baseline."""
    import zg_scoring.main as scoring_main
    from zg_common import migrate
    from zg_common.db import create_engine

    engine = create_engine(settings, application_name="bench")
    await migrate.upgrade(engine, migrate.find_migrations(scoring_main.__file__ or ""), "scoring")
    await engine.dispose()
    return await baseline(settings.kafka_bootstrap_servers)


async def indicators(settings: Any) -> None:
    """Every month's department, officer and grid indicators, once."""
    from zg_common.authz import Scope
    from zg_common.db import create_engine, create_sessionmaker, unit_of_work
    from zg_scoring import people, service
    from zg_scoring.periods import month_period

    engine = create_engine(settings, application_name="bench")
    for month in range(1, 13):
        period, everything = month_period(YEAR, month), Scope(everything=True)
        async with unit_of_work(create_sessionmaker(engine)) as session:
            await service.department_scores(session, period, everything)
            await people.officer_scores(session, period, everything)
            await people.grid_scores(session, period, everything)
    await engine.dispose()


def measure(info: dict[str, Any], processes: int | None) -> dict[str, float]:
    """The baseline, then the replay as `python -m zg_scoring rebuild` runs it (the partitions
    shared among processes forked from this one), then every month's indicators."""
    from zg_scoring import rebuild_processes
    from zg_scoring.config import ScoringSettings

    settings = ScoringSettings(
        database_url=info["database_url"],
        kafka_bootstrap_servers=info["kafka_bootstrap_servers"],
        refdata_dir=ROOT / "deploy" / "data" / "fangxing",
    )
    read, base_s = asyncio.run(prepare(settings))
    started = time.perf_counter()
    own, db, broker = cpu_self(), cpu_seconds(("postgres",)), cpu_seconds(("java",))
    replayed = rebuild_processes.run(settings, processes=processes)
    replay_s = time.perf_counter() - started
    own = cpu_self() - own
    db, broker = cpu_seconds(("postgres",)) - db, cpu_seconds(("java",)) - broker
    asyncio.run(indicators(settings))
    current_s = time.perf_counter() - started
    return {
        "read": read, "base_s": base_s, "replayed": replayed, "replay_s": replay_s,
        "current_s": current_s, "own_cpu_s": own, "db_cpu_s": db, "broker_cpu_s": broker,
    }  # fmt: skip


def cpu_self() -> float:
    """CPU so far of this process and of its children that ended (the replaying processes)."""
    return sum(os.times()[:4])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--processes", type=int, help="replaying processes (default: setting)")
    parser.add_argument("--keep", action="store_true", help="leave .data/bench-scoring")
    args = parser.parse_args()
    t0 = time.perf_counter()
    records = generate(args.events, args.seed)
    print(f"generated {len(records):,} events in {time.perf_counter() - t0:.1f} s")
    proc, info = start_infra()
    try:
        t0 = time.perf_counter()
        asyncio.run(publish(info["kafka_bootstrap_servers"], records))
        print(f"published in {time.perf_counter() - t0:.1f} s")
        del records
        m = measure(info, args.processes)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        if not args.keep:
            shutil.rmtree(DATA, ignore_errors=True)
    base_rate = m["read"] / m["base_s"]
    rate = m["replayed"] / m["replay_s"]
    print(f"baseline (read and decode only): {m['read']:,} events in {m['base_s']:.1f} s "
          f"= {base_rate:,.0f} events/s")  # fmt: skip
    print(f"replay into empty projections:   {m['replayed']:,} events in {m['replay_s']:.1f} s "
          f"= {rate:,.0f} events/s")  # fmt: skip
    print(f"ratio replay / baseline: {rate / base_rate:.3f}")
    per = 1e6 / m["replayed"]
    print(
        f"CPU per replayed event: scoring's processes {m['own_cpu_s'] * per:.0f} us, "
        f"PostgreSQL {m['db_cpu_s'] * per:.0f} us, Kafka {m['broker_cpu_s'] * per:.0f} us"
    )
    print(
        f"every indicator of every month current {m['current_s']:.1f} s after the start "
        "(replay + 12 months of department, officer and grid indicators)"
    )
    print(f"goal >= 20,000 events/s: {'met' if rate >= 20_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
