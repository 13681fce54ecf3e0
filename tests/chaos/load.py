"""Steady load through the gateways while faults happen, and the ledger of what it was told.

Residents' reports arrive at a fixed rate (open loop: a slow platform does not slow the
arrivals), alternating between the two gateways. Each report carries an Idempotency-Key and is
sent again, with the same key, after anything that is not a final answer — no answer at all
(a gateway killed mid-request), a 503 or 504 problem, a 429 — as the residents' app does, so a
report whose 201 was lost in a crash is still counted once. Reads of accepted cases run beside
them. Every answer is judged: a 5xx must be a 503 or 504 problem+json; anything else is a
violation.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from zg_local.reportable import places_and_categories

RETRY_STATUSES = {429, 503, 504}


@dataclass
class Load:
    gateways: list[str]
    password: str
    username: str = "resident"
    rate: float = 4.0  # reports per second
    accepted: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> case id
    unresolved: set[str] = field(default_factory=set)  # keys still being sent
    refused: list[str] = field(default_factory=list)  # final 4xx: a report the platform refused
    violations: list[str] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)
    phase: str = "start"
    _token: str = ""
    _login: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _client: httpx.AsyncClient | None = None

    # ---- judging answers -----------------------------------------------------------------
    def judge(self, what: str, response: httpx.Response) -> None:
        self.answers[f"{self.phase}|{what} {response.status_code}"] += 1
        if response.status_code < 500:
            return
        problem = response.headers.get("content-type", "").startswith("application/problem+json")
        if response.status_code in (503, 504) and problem:
            return
        self.violations.append(
            f"{self.phase}: {what} answered {response.status_code} "
            f"({response.headers.get('content-type')}): {response.text[:300]}"
        )

    # ---- the resident's session ----------------------------------------------------------
    async def token(self, client: httpx.AsyncClient, stale: str = "") -> str:
        async with self._login:
            while self._token in ("", stale):
                for gateway in self.gateways:
                    with contextlib.suppress(httpx.HTTPError):
                        response = await client.post(
                            f"{gateway}/api/v1/auth/login",
                            json={"username": self.username, "password": self.password},
                        )
                        self.judge("login", response)
                        if response.status_code == 200:
                            self._token = response.json()["access_token"]
                            break
                else:
                    await asyncio.sleep(1)
            return self._token

    # ---- reports -------------------------------------------------------------------------
    async def report(self, n: int, body: dict[str, Any]) -> None:
        assert self._client is not None
        key = str(uuid.UUID(int=random.getrandbits(128)))
        self.unresolved.add(key)
        attempt = 0
        try:
            while True:
                gateway = self.gateways[(n + attempt) % len(self.gateways)]
                token = await self.token(self._client)
                try:
                    response = await self._client.post(
                        f"{gateway}/api/v1/cases",
                        json=body,
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                    )
                except httpx.HTTPError as exc:
                    self.answers[f"{self.phase}|report no-answer {type(exc).__name__}"] += 1
                else:
                    self.judge("report", response)
                    if response.status_code == 201:
                        self.accepted[key] = response.json()["id"]
                        return
                    if response.status_code == 401:
                        await self.token(self._client, stale=token)
                    elif response.status_code not in RETRY_STATUSES:
                        self.refused.append(f"{response.status_code} {response.text[:300]}")
                        return
                attempt += 1
                await asyncio.sleep(min(0.5 * attempt, 5.0))
        finally:
            self.unresolved.discard(key)

    async def _arrivals(self) -> None:
        points, categories = places_and_categories()
        rng = random.Random(15)
        n = 0
        started = time.monotonic()
        while not self._stop.is_set():
            lat, lon = rng.choice(points)
            body = {
                "category": rng.choice(categories),
                # at a patrol point: inside the district (a point moved off it could fall
                # outside, a 422); two reports of a category at one point merge (checked)
                "lat": lat,
                "lon": lon,
                "description": f"chaos report {n}",
            }
            task = asyncio.create_task(self.report(n, body))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            n += 1
            # open loop: the n-th report leaves at n / rate, however long the others take
            await asyncio.sleep(max(0.0, started + n / self.rate - time.monotonic()))

    async def _reads(self) -> None:
        assert self._client is not None
        rng = random.Random(16)
        n = 0
        while not self._stop.is_set():
            await asyncio.sleep(0.5)
            if not self.accepted:
                continue
            case_id = rng.choice(list(self.accepted.values()))
            token = await self.token(self._client)
            with contextlib.suppress(httpx.HTTPError):
                response = await self._client.get(
                    f"{self.gateways[n % len(self.gateways)]}/api/v1/cases/{case_id}",
                    headers={"Authorization": f"Bearer {token}"},
                )
                self.judge("read", response)
            n += 1

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=15)
        for loop in (self._arrivals(), self._reads()):
            task = asyncio.create_task(loop)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def stop(self, timeout: float = 180) -> None:
        """No new reports; the ones under way go on until answered (or `timeout`)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        while self._tasks and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        for task in list(self._tasks):
            task.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def summary(self) -> str:
        statuses: Counter[str] = Counter()
        for key, count in self.answers.items():
            statuses[key.split("|", 1)[1]] += count
        return (
            f"{len(self.accepted)} reports accepted, {len(self.unresolved)} under way, "
            f"{len(self.refused)} refused; answers {dict(sorted(statuses.items()))}"
        )

    def by_phase(self) -> str:
        """The answers of each phase, a line each, in the order the phases came."""
        phases: dict[str, dict[str, int]] = {}
        for key, n in self.answers.items():
            phase, what = key.split("|", 1)
            phases.setdefault(phase, {})[what] = n
        return "\n".join(f"  {p}: {dict(sorted(a.items()))}" for p, a in phases.items())
