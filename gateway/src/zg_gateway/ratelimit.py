"""Rate limits per user, per API key and per IP (anonymous), with the GCRA algorithm.

Each key is allowed `per_minute` requests with a burst of `burst`; the state is one timestamp
per key ("theoretical arrival time"). It is kept in this process: with several gateway
replicas each enforces its own share (move the state to PostgreSQL or Redis to share it).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from zg_common.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    per_minute: int
    burst: int


class RateLimiter:
    def __init__(self, *, max_keys: int = 100_000) -> None:
        self._tat: OrderedDict[str, float] = OrderedDict()
        self.max_keys = max_keys

    def check(self, key: str, limit: Limit, *, now: float | None = None) -> None:
        """Count one request for `key`; raise 429 (with Retry-After) when over the limit."""
        now = time.monotonic() if now is None else now
        interval = 60.0 / limit.per_minute
        tat = max(self._tat.get(key, now), now)
        allowed_at = tat - interval * limit.burst
        if now < allowed_at:
            retry = max(1, math.ceil(allowed_at - now))
            raise RateLimited(
                f"Too many requests; try again in {retry} s",
                headers={"Retry-After": str(retry)},
            )
        self._tat[key] = tat + interval
        self._tat.move_to_end(key)
        while len(self._tat) > self.max_keys:  # forget the least recently seen keys
            self._tat.popitem(last=False)
