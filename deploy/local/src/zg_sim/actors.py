"""The district's people and things: officers walking their planned routes and checking in,
residents and the 12345 hotline reporting problems, cameras beating and raising alarms.

Time runs `speed` times faster than the wall clock (what the platform stamps stays the wall
clock: its deadlines and windows are real). Every choice comes from a random generator seeded
from the run's seed and the actor's name, so that a run is the same run again.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from datetime import UTC, datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from zg_sim.client import Tally
from zg_sim.world import Officer, World

log = logging.getLogger("zg_sim")
CHINA = ZoneInfo("Asia/Shanghai")
WALK_M_S = 1.2  # an officer's walking pace
DWELL_S = 180.0  # the time an officer spends at a point (simulated seconds)
# cameras per heartbeat request (the API takes up to 1,000; a first batch that brings 1,000
# cameras online writes 1,000 status events and can outlast the gateway's deadline on a busy
# two-core machine)
HEARTBEAT_BATCH = 250

PROBLEMS = [
    "占道经营，影响通行",
    "垃圾堆放未清运",
    "井盖破损，存在安全隐患",
    "路面坑洼积水",
    "绿化带破坏",
    "乱贴小广告",
    "车辆乱停放",
    "路灯不亮",
]


def today() -> str:
    return datetime.now(CHINA).date().isoformat()


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Clock:
    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.started = time.monotonic()

    def elapsed(self) -> float:
        """Simulated seconds since the start."""
        return (time.monotonic() - self.started) * self.speed

    async def sleep(self, simulated_s: float) -> None:
        await asyncio.sleep(max(simulated_s, 0.0) / self.speed)


Place = tuple[float, float]  # (lon, lat)


def distance_m(a: Place, b: Place) -> float:
    """Between two (lon, lat), on the sphere (metres apart at a district's scale)."""
    lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(b[0] - a[0]) * math.cos(lat) * 6_371_000
    dy = math.radians(b[1] - a[1]) * 6_371_000
    return math.hypot(dx, dy)


class Simulation:
    def __init__(self, world: World, tally: Tally, *, seed: int, clock: Clock, config: Any):
        self.world = world
        self.tally = tally
        self.seed = seed
        self.clock = clock
        self.config = config
        self.numbers = count(1)
        self.pending: set[asyncio.Task[None]] = set()  # reports and alarms under way

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")

    # -- officers -------------------------------------------------------------------------

    async def patrol(self, officer: Officer) -> None:
        rng = self.rng(f"officer:{officer.badge}")
        where: Place | None = None
        while True:
            response = await officer.session.call(
                "GET", f"/api/v1/patrol/plans/{today()}/officers/{officer.badge}"
            )
            tasks = response.json().get("tasks", []) if response.status_code == 200 else []
            todo = [t for t in tasks if t["status"] == "planned" and t.get("point_id")]
            if not todo:  # off shift, or nothing left: look again in a simulated half hour
                await self.clock.sleep(1800)
                continue
            for task in todo:
                target = (task["lon"], task["lat"])
                where = where or target
                await self.walk(officer, where, target, rng)
                where = target
                self.tally.visits += 1
                if rng.random() < self.config.miss_rate:
                    continue  # a visit missed: the platform notices after its window
                await self.check_in(officer, task, rng)
                await self.clock.sleep(DWELL_S * rng.uniform(0.5, 1.5))

    async def walk(
        self,
        officer: Officer,
        start: tuple[float, float],
        end: tuple[float, float],
        rng: random.Random,
    ) -> None:
        length = distance_m(start, end)
        duration = length / WALK_M_S  # simulated seconds
        began = self.clock.elapsed()
        while True:
            share = min((self.clock.elapsed() - began) / duration, 1.0) if duration else 1.0
            lon = start[0] + (end[0] - start[0]) * share
            lat = start[1] + (end[1] - start[1]) * share
            await self.report_position(officer, lon, lat, rng)
            if share >= 1.0:
                return
            left_real = (duration - (self.clock.elapsed() - began)) / self.clock.speed
            await asyncio.sleep(min(self.config.position_every_s, max(left_real, 0.05)))

    async def report_position(
        self, officer: Officer, lon: float, lat: float, rng: random.Random
    ) -> None:
        fix = {"at": now_iso(), "lat": lat, "lon": lon, "accuracy_m": round(rng.uniform(4, 15), 1)}
        response = await officer.session.call(
            "POST", "/api/v1/patrol/positions", json={"fixes": [fix]}
        )
        if response.status_code < 300:
            self.tally.positions += 1

    async def check_in(self, officer: Officer, task: dict[str, Any], rng: random.Random) -> None:
        token = await self.code_of(task["point_id"])
        if token is None:
            return
        jitter = rng.uniform(-0.00005, 0.00005)
        response = await officer.session.call(
            "POST",
            "/api/v1/patrol/checkins",
            json={
                "token": token,
                "lat": task["lat"] + jitter,
                "lon": task["lon"] + jitter,
                "accuracy_m": 8.0,
            },
        )
        outcome = response.json().get("outcome") if response.status_code == 201 else None
        self.tally.checkins[outcome or f"refused_{response.status_code}"] += 1

    async def code_of(self, point_id: str) -> str | None:
        """The point's QR token, as printed on its card (read once, as the dispatcher)."""
        if point_id not in self.world.codes:
            # the planners (each account has its own rate limit)
            planner = ("dispatcher", "shift_leader", "manager")[len(self.world.codes) % 3]
            response = await self.world.centre[planner].call(
                "GET", f"/api/v1/patrol/points/{point_id}/code"
            )
            if response.status_code != 200:
                return None
            self.world.codes[point_id] = response.json()["token"]
        return self.world.codes[point_id]

    # -- reporters ------------------------------------------------------------------------

    async def report_problems(self) -> None:
        rng = self.rng("reporters")
        while True:
            await self.clock.sleep(rng.expovariate(self.config.reports_per_hour / 3600))
            point = rng.choice(self.world.points)
            lon, lat = point["geometry"]["coordinates"]
            body: dict[str, Any] = {
                "category": rng.choice(self.world.categories),
                "lat": round(lat + rng.uniform(-0.0002, 0.0002), 6),
                "lon": round(lon + rng.uniform(-0.0002, 0.0002), 6),
                "description": rng.choice(PROBLEMS),
            }
            hotline = rng.random() < self.config.hotline_share and self.world.hotline is not None
            if hotline:
                number = next(self.numbers)
                body["external_ref"] = {"system": "12345", "id": f"SIM{self.seed}-{number:06d}"}
            # the next report does not wait for this one's answer (arrivals are open-loop)
            self.spawn(self.report(body, hotline=hotline))

    async def report(self, body: dict[str, Any], *, hotline: bool) -> None:
        reporter = self.world.hotline if hotline else self.world.resident
        assert reporter is not None
        response = await reporter.call("POST", "/api/v1/cases", json=body)
        if response.status_code == 201:
            self.tally.created.append(response.json())

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    # -- cameras --------------------------------------------------------------------------

    async def beat_cameras(self) -> None:
        """The video platform's heartbeats: every camera but a few broken ones."""
        if self.world.video is None:
            return
        rng = self.rng("cameras")
        ids = [c["properties"]["id"] for c in self.world.cameras]
        broken = set(rng.sample(ids, k=max(1, len(ids) // 40)))
        while True:
            beats = [
                {"camera_id": i, "at": now_iso(), "state": "ok"} for i in ids if i not in broken
            ]
            for start in range(0, len(beats), HEARTBEAT_BATCH):
                batch = {"beats": beats[start : start + HEARTBEAT_BATCH]}
                await self.world.video.call("POST", "/api/v1/cameras/heartbeats", json=batch)
            await asyncio.sleep(self.config.heartbeat_every_s)

    async def raise_alarms(self) -> None:
        if self.world.video is None or not self.world.cameras:
            return
        rng = self.rng("alarms")
        # the platform serves its district: alarms of cameras in its grids
        placed = [
            c for c in self.world.cameras if c["properties"].get("grid_id")
        ] or self.world.cameras
        while True:
            await self.clock.sleep(rng.expovariate(self.config.alarms_per_hour / 3600))
            camera = rng.choice(placed)
            number = next(self.numbers)
            alarm = {
                "alarm_id": f"sim-{self.seed}-{number}",
                "camera_id": camera["properties"]["id"],
                "category": rng.choice(self.config.alarm_categories),
                "detected_at": now_iso(),
                "confidence": round(rng.uniform(0.7, 0.99), 2),
                "description": "视频智能分析告警",
            }
            self.spawn(self.alarm(alarm))

    async def alarm(self, alarm: dict[str, Any]) -> None:
        assert self.world.video is not None
        response = await self.world.video.call("POST", "/api/v1/camera-alarms", json=alarm)
        if response.status_code < 300:
            self.tally.alarms += 1
