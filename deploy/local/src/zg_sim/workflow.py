"""The people who move cases: officers verify and check on site, the intake operator accepts and
sends checks, the shift leader files and closes, the dispatcher dispatches and decides requests,
departments dispose (and sometimes ask for more time or hand a case back), the 12345 hotline
calls citizens back. Each waits a while (simulated) before acting, as people do."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from zg_sim.actors import Simulation
from zg_sim.client import KeySession, Session

log = logging.getLogger("zg_sim")
MINUTE = 60.0


class Workflow:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.world = sim.world
        self.seen: dict[str, tuple[str, float]] = {}  # case -> (status, when first seen in it)

    async def run(self) -> None:
        while True:
            try:
                await self.round()
            except (ConnectionError, KeyError, ValueError) as exc:
                log.warning("workflow round failed: %r", exc)
            await asyncio.sleep(self.sim.config.work_every_s)

    async def round(self) -> None:
        layer = await self.world.centre["shift_leader"].get("/api/v1/workflow/map")
        now = self.sim.clock.elapsed()
        for feature in layer["features"]:
            case = feature["properties"]
            status = case["status"]
            known = self.seen.get(case["case_id"])
            if known is None or known[0] != status:
                self.seen[case["case_id"]] = (status, now)
                continue
            waited = now - known[1]
            rng = random.Random(f"{self.sim.seed}:{case['case_id']}:{status}")
            decision = self.decide(case, rng)
            if decision is not None and waited >= decision[0]:
                who, action, body = decision[1:]
                if who is not None:
                    await self.act(who, case["case_id"], action, body)
                    self.seen.pop(case["case_id"], None)

    def decide(
        self, case: dict[str, Any], rng: random.Random
    ) -> tuple[float, Session | KeySession | None, str, dict[str, Any]] | None:
        """After how long (simulated seconds), who does what with a case in its status."""
        centre, hotline = self.world.centre, self.world.hotline
        intake, leader, dispatcher = (
            centre["intake_operator"],
            centre["shift_leader"],
            centre["dispatcher"],
        )
        status = case["status"]
        officer = self.officer_of(case["grid_id"], rng)
        department = self.world.departments.get(case.get("department_id") or "")
        roll = rng.random()

        def minutes(low: float, high: float) -> float:
            return rng.uniform(low, high) * MINUTE

        match status:
            case "verifying" if roll < 0.9:
                return minutes(10, 40), officer, "confirm", {}
            case "verifying":
                return minutes(10, 40), officer, "refute", {"reason": "现场未发现"}
            case "reported":
                return minutes(2, 10), intake, "accept", {}
            case "accepted":
                return minutes(2, 10), leader, "file", {}
            case "filed":
                return minutes(2, 10), dispatcher, "dispatch", {}
            case "dispatched":
                wait = rng.lognormvariate(0, 0.8) * 3 * 60 * MINUTE
                if roll < 0.04:
                    body = {"hours": 24, "reason": "需要协调相关单位"}
                    return wait / 3, department, "request_extension", body
                if roll < 0.07:
                    return wait / 3, department, "request_return", {"reason": "不属于本单位职责"}
                return wait, department, "dispose", {"result": "已处置完毕"}
            case "extension_pending" if roll < 0.85:
                return minutes(10, 30), dispatcher, "approve_extension", {}
            case "extension_pending":
                return minutes(10, 30), dispatcher, "deny_extension", {"reason": "时限内可以完成"}
            case "return_pending":
                return minutes(10, 30), dispatcher, "approve_return", {}
            case "disposed":
                return minutes(5, 20), intake, "request_check", {}
            case "checking" if roll < 0.85:
                return minutes(20, 60), officer, "pass_check", {}
            case "checking":
                return minutes(20, 60), officer, "fail_check", {"reason": "问题仍然存在"}
            case "checked" if case["source"] == "hotline_12345":
                return minutes(5, 20), intake, "request_callback", {}
            case "checked":
                return minutes(5, 30), leader, "close", {"close_type": "normal"}
            case "visiting" if roll < 0.9:
                return minutes(10, 60), hotline, "callback_satisfied", {}
            case "visiting":
                return minutes(10, 60), hotline, "callback_unsatisfied", {"reason": "市民不满意"}
            case "self_handled":
                return minutes(5, 20), intake, "approve_self_handled", {}
        return None

    def officer_of(self, grid: str | None, rng: random.Random) -> Session | None:
        officers = self.world.by_grid.get(grid or "")
        return rng.choice(officers).session if officers else None

    async def act(
        self, who: Session | KeySession, case_id: str, action: str, body: dict[str, Any]
    ) -> None:
        if action == "dispatch":  # to the department the rules name
            item = await self.world.centre["dispatcher"].get(f"/api/v1/workflow/cases/{case_id}")
            suggested = item.get("suggested_department_id")
            if suggested is None:
                return
            body = {"department_id": suggested}
        response = await who.call(
            "POST", f"/api/v1/workflow/cases/{case_id}/actions/{action}", json=body
        )
        # 409: someone (or the platform's own rules) moved the case first: fine
        self.sim.tally.actions[f"{action} {response.status_code}"] += 1
