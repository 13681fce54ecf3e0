"""The district's devices and their people in the simulation: the street-lighting platform
reporting its lights by the schedule (a few lamps broken, now and then a circuit that goes
dark and comes back after a repair), the compounds' property staff registering residents and
recording departures, and the access-control vendor's gates: heartbeats, residents' swipes,
and now and then a run of swipes of a cancelled or unknown card."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Any

from zg_local import catalogue as cat
from zg_sim.actors import Simulation, now_iso

REPORT_BATCH = 1000
SWIPE_BATCH = 500
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def state_by(plan: dict[str, Any], at: datetime) -> str:
    """What a healthy light does now by the night's plan (GET /api/v1/lighting/schedule)."""
    on, off = datetime.fromisoformat(plan["on_at"]), datetime.fromisoformat(plan["off_at"])
    dim_from, dim_to = (
        datetime.fromisoformat(plan["dim_from"]),
        datetime.fromisoformat(plan["dim_to"]),
    )
    if not on <= at < off:
        return "off"
    return "dimmed" if dim_from <= at < dim_to else "on"


class Devices:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.world = sim.world
        self.cards: dict[str, list[tuple[str, str]]] = {}  # compound -> [(resident id, card)]
        self.cancelled: list[str] = []

    # -- street lights ------------------------------------------------------------------------

    async def lights(self) -> None:
        platform, lights = self.world.lighting, self.world.lights
        if platform is None or not lights:
            return
        rng = self.sim.rng("lights")
        broken = {x["id"] for x in rng.sample(lights, k=max(1, len(lights) // 200))}
        circuits = sorted({x["properties"]["circuit_id"] for x in lights})
        dark: dict[str, float] = {}  # circuit -> simulated time it comes back
        while True:
            now = self.sim.clock.elapsed()
            if rng.random() < self.sim.config.circuit_outage_chance:
                dark.setdefault(rng.choice(circuits), now + rng.uniform(2, 8) * 3600)
            dark = {c: until for c, until in dark.items() if until > now}
            plan = await self.world.centre["dispatcher"].get("/api/v1/lighting/schedule")
            at = datetime.now(UTC)
            healthy = state_by(plan, at)
            reports = []
            for x in lights:
                p = x["properties"]
                if p["circuit_id"] in dark:
                    reports.append({"light_id": p["id"], "at": at.isoformat(), "state": "off",
                                    "power_w": 0, "fault": "no_power"})  # fmt: skip
                elif p["id"] in broken:
                    reports.append({"light_id": p["id"], "at": at.isoformat(), "state": "off",
                                    "power_w": 0, "fault": "lamp_failure"})  # fmt: skip
                else:
                    watts = {"on": p["lamp_w"], "dimmed": p["lamp_w"] / 2, "off": 0}[healthy]
                    power = round(watts * rng.uniform(0.95, 1.05), 1)
                    reports.append({"light_id": p["id"], "at": at.isoformat(), "state": healthy,
                                    "power_w": power})  # fmt: skip
            for start in range(0, len(reports), REPORT_BATCH):
                batch = {"reports": reports[start : start + REPORT_BATCH]}
                await platform.call("POST", "/api/v1/lighting/reports", json=batch)
            await asyncio.sleep(self.sim.config.lights_every_s)

    # -- residents and gates ------------------------------------------------------------------

    def person(self, rng: random.Random) -> dict[str, str]:
        body = f"340104{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        body += f"{rng.randint(0, 999):03d}"
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]
        given = "".join(rng.choice(cat.GIVEN) for _ in range(rng.choice((1, 2))))
        return {
            "name": rng.choice(cat.SURNAMES) + given,
            "id_number": body + check,
            "phone": f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
        }

    async def register(self, compound: dict[str, Any], rng: random.Random) -> None:
        staff = self.world.property
        assert staff is not None
        households = await staff.get(f"/api/v1/access/compounds/{compound['id']}/households")
        free = [h["number"] for h in households["households"] if h["residents"] < 3]
        if not free:
            return
        body = {
            "compound_id": compound["id"],
            "household": rng.choice(free),
            "arrived_on": datetime.now(UTC).date().isoformat(),
            "tenure": rng.choice(("owner", "owner", "tenant")),
            **self.person(rng),
        }
        response = await staff.call("POST", "/api/v1/access/residents", json=body)
        if response.status_code == 201:
            made = response.json()
            self.cards.setdefault(compound["id"], []).append(
                (made["id"], made["cards"][0]["number"])
            )

    async def depart(self, rng: random.Random) -> None:
        staff = self.world.property
        assert staff is not None
        living = [c for c, people in self.cards.items() if people]
        if not living:
            return
        compound = rng.choice(living)
        resident, card = self.cards[compound].pop(rng.randrange(len(self.cards[compound])))
        response = await staff.call(
            "POST",
            f"/api/v1/access/residents/{resident}/departure",
            json={"departed_on": datetime.now(UTC).date().isoformat()},
        )
        if response.status_code == 200:
            self.cancelled.append(card)

    async def residents(self) -> None:
        if self.world.property is None or not self.world.compounds:
            return
        rng = self.sim.rng("residents")
        for compound in self.world.compounds:  # the compounds' first registrations
            for _ in range(self.sim.config.residents_per_compound):
                await self.register(compound, rng)
        while True:  # then arrivals and departures
            await self.sim.clock.sleep(rng.expovariate(self.sim.config.moves_per_hour / 3600))
            if rng.random() < 0.6:
                await self.register(rng.choice(self.world.compounds), rng)
            else:
                await self.depart(rng)

    async def gates(self) -> None:
        vendor, compounds = self.world.access, self.world.compounds
        if vendor is None or not compounds:
            return
        rng = self.sim.rng("gates")
        gates = {c["id"]: [g["id"] for g in c["gates"]] for c in compounds}
        number = 0
        while True:
            at = now_iso()
            beats = [{"gate_id": g, "at": at} for ids in gates.values() for g in ids]
            await vendor.call("POST", "/api/v1/access/gate-heartbeats", json={"beats": beats})
            swipes = []
            for compound, people in self.cards.items():
                for _, card in rng.sample(people, k=min(len(people), 3)):
                    number += 1
                    way = rng.choice(("in", "out"))
                    swipes.append({"ref": f"sim-{self.sim.seed}-{number}", "card_number": card,
                                   "gate_id": rng.choice(gates[compound]), "at": at,
                                   "direction": way, "accepted": True})  # fmt: skip
            if self.cancelled and rng.random() < self.sim.config.refused_run_chance:
                gate = rng.choice(rng.choice(list(gates.values())))
                for _ in range(6):  # a departed resident's card tried again and again
                    number += 1
                    swipes.append({"ref": f"sim-{self.sim.seed}-{number}", "gate_id": gate,
                                   "card_number": rng.choice(self.cancelled), "at": at,
                                   "accepted": False})  # fmt: skip
            for start in range(0, len(swipes), SWIPE_BATCH):
                batch = {"swipes": swipes[start : start + SWIPE_BATCH]}
                await vendor.call("POST", "/api/v1/access/swipes", json=batch)
            await asyncio.sleep(self.sim.config.heartbeat_every_s)
