"""Rate limits per user, per API key and per IP (anonymous), held across every gateway replica.

Two checks per request, both on this process's memory (no database round trip on the request):
- a burst shaper per process, GCRA: `per_minute` spaced evenly with a burst of `burst` (one
  "theoretical arrival time" per key);
- the total of every replica over a sliding minute: each process counts in fixed one-minute
  windows, adds its counts to `gateway.rate_count` every `ZG_GATEWAY_RATE_LIMIT_SYNC_S` (one
  multi-row upsert that returns the totals of all replicas for the keys it carried, and a read
  of the keys at half their limit or more that it did not carry), and
  estimates the last 60 s as the current window plus the previous one weighted by the part of
  it still inside. A replica learns of the others' requests one sync late: with `n` replicas a
  key can exceed its limit by at most what `n - 1` replicas let through in one sync interval.

The database away, each process keeps counting alone (its counts are added at the next sync
that works); the limits then hold per process, as they did before they were shared.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter as Metric
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request

from zg_common.errors import RateLimited

log = logging.getLogger(__name__)

WINDOW_S = 60
AUTH_FAILURES = Metric(
    "zg_gateway_auth_failures_total", "Credentials refused, by problem code", ["code"]
)


@dataclass(frozen=True)
class Limit:
    per_minute: int
    burst: int


UPSERT = text(
    "INSERT INTO gateway.rate_count (key, win, count) "
    "SELECT * FROM unnest(CAST(:keys AS text[]), CAST(:wins AS bigint[]), "
    "CAST(:counts AS integer[])) "
    "ON CONFLICT (key, win) DO UPDATE SET count = gateway.rate_count.count + excluded.count "
    "RETURNING key, win, count"
)
PURGE = text("DELETE FROM gateway.rate_count WHERE win < :oldest")
READ = text(
    "SELECT key, win, count FROM gateway.rate_count WHERE key = ANY(CAST(:keys AS text[])) "
    "AND win >= :oldest"
)


class RateLimiter:
    def __init__(self, *, max_keys: int = 100_000) -> None:
        self._tat: OrderedDict[str, float] = OrderedDict()
        self.max_keys = max_keys
        self.pending: Counter[tuple[str, int]] = Counter()  # this process's, not yet shared
        self.totals: dict[tuple[str, int], int] = {}  # every replica's, at the last sync
        self.limits: dict[str, int] = {}  # per minute, of the keys checked in this minute
        self._purged_win = 0

    def check(
        self, key: str, limit: Limit, *, now: float | None = None, wall: float | None = None
    ) -> None:
        """Count one request for `key`; raise 429 (with Retry-After) when over the limit."""
        self._refuse_over(key, limit.per_minute, time.time() if wall is None else wall)
        now = time.monotonic() if now is None else now
        interval = 60.0 / limit.per_minute
        tat = max(self._tat.get(key, now), now)
        allowed_at = tat - interval * limit.burst
        if now < allowed_at:
            raise _refusal(allowed_at - now)
        self._tat[key] = tat + interval
        self._tat.move_to_end(key)
        while len(self._tat) > self.max_keys:  # forget the least recently seen keys
            self._tat.popitem(last=False)
        self.add(key, wall=wall)

    def add(self, key: str, *, wall: float | None = None) -> None:
        """Count an event for `key` in the shared window without checking (failed logins)."""
        wall = time.time() if wall is None else wall
        self.pending[(key, int(wall // WINDOW_S))] += 1

    def refuse_over(
        self, key: str, per_minute: int, *, code: str = "rate_limited", wall: float | None = None
    ) -> None:
        """Raise 429 when `key` has had `per_minute` events in the last minute (all replicas)."""
        self._refuse_over(key, per_minute, time.time() if wall is None else wall, code)

    def estimate(self, key: str, *, wall: float) -> float:
        """`key`'s events in the 60 s before `wall`, over every replica as last synced plus
        this process's since."""
        win = int(wall // WINDOW_S)
        inside = 1.0 - (wall % WINDOW_S) / WINDOW_S  # the part of the previous window still in

        def count(w: int) -> int:
            return self.totals.get((key, w), 0) + self.pending.get((key, w), 0)

        return count(win) + count(win - 1) * inside

    def _refuse_over(
        self, key: str, per_minute: int, wall: float, code: str = "rate_limited"
    ) -> None:
        seen = self.estimate(key, wall=wall)
        if seen:  # keys with nothing counted here are not watched (most addresses' failures)
            self.limits[key] = per_minute
        if seen < per_minute:
            return
        # the previous window's weight falls by previous/60 a second; when that is not enough
        # (or there is none), the current window must end
        previous = self.totals.get((key, int(wall // WINDOW_S) - 1), 0)
        to_window_end = WINDOW_S - wall % WINDOW_S
        wait = (seen - per_minute + 1) / (previous / WINDOW_S) if previous else to_window_end
        raise _refusal(min(wait, to_window_end + WINDOW_S), code)

    async def sync(self, sessions: async_sessionmaker[AsyncSession], *, wall: float) -> None:
        """Share this process's counts and learn every replica's (one statement), for the
        keys counted here since the last sync and those at half their limit or more (another
        replica may be filling them); forget windows that have left the minute."""
        current = int(wall // WINDOW_S)
        batch = {k: n for k, n in self.pending.items() if k[1] >= current - 1}
        self.pending.clear()
        carried = {key for key, _ in batch}
        near = [
            key
            for key, limit in self.limits.items()
            if key not in carried and self.estimate(key, wall=wall) * 2 >= limit
        ]
        try:
            async with sessions.begin() as session:
                rows: list[Any] = []
                if batch:
                    rows += await session.execute(
                        UPSERT,
                        {
                            "keys": [k for k, _ in batch],
                            "wins": [w for _, w in batch],
                            "counts": list(batch.values()),
                        },
                    )
                if near:
                    rows += await session.execute(READ, {"keys": near, "oldest": current - 1})
                for key, win, count in rows:
                    self.totals[(key, win)] = count
                if current > self._purged_win:  # once a minute, by whichever replica
                    await session.execute(PURGE, {"oldest": current - 1})
                    self._purged_win = current
        except BaseException:
            self.pending.update(batch)  # counted again at the next sync that works
            raise
        finally:
            for k in [k for k in self.totals if k[1] < current - 1]:
                del self.totals[k]
            live = {key for key, _ in self.totals} | {key for key, _ in self.pending}
            self.limits = {k: v for k, v in self.limits.items() if k in live}

    async def follow(self, sessions: async_sessionmaker[AsyncSession], interval_s: float) -> None:
        """Background loop: sync every `interval_s`."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.sync(sessions, wall=time.time())
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away: limits hold per process meanwhile
                log.warning("could not share the rate-limit counts", exc_info=True)


def _refusal(seconds: float, code: str = "rate_limited") -> RateLimited:
    retry = max(1, math.ceil(seconds))
    return RateLimited(
        f"Too many requests; try again in {retry} s",
        code=code,
        headers={"Retry-After": str(retry)},
    )


def client_ip(request: Request) -> str:
    """The caller's address: the peer's, or with `ZG_GATEWAY_TRUSTED_PROXIES` the one the
    trusted proxies forwarded (uvicorn's ProxyHeadersMiddleware has set it by then)."""
    return request.client.host if request.client else "unknown"


def authentication_failed(limiter: RateLimiter, ip: str, code: str) -> None:
    """A credential that did not hold (wrong password, unknown or revoked key, forged or
    expired token, spent ticket): counted per address and in the metric."""
    AUTH_FAILURES.labels(code=code).inc()
    limiter.add(f"authfail:{ip}")
