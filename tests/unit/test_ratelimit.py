"""The GCRA rate limiter: a burst, then one request per interval, with a Retry-After."""

from __future__ import annotations

import pytest

from zg_common.errors import RateLimited
from zg_gateway.ratelimit import Limit, RateLimiter


def test_burst_then_steady_rate_then_refusal() -> None:
    limiter, limit = RateLimiter(), Limit(per_minute=60, burst=3)
    for _ in range(4):  # the burst, plus the one at the steady rate
        limiter.check("ip:1", limit, now=100.0)
    with pytest.raises(RateLimited) as refused:
        limiter.check("ip:1", limit, now=100.0)
    assert refused.value.headers["Retry-After"] == "1"
    limiter.check("ip:1", limit, now=101.0)  # one more second, one more request
    limiter.check("ip:2", limit, now=100.0)  # other callers are not affected


def test_old_keys_are_forgotten() -> None:
    limiter = RateLimiter(max_keys=2)
    for key in ("a", "b", "c"):
        limiter.check(key, Limit(60, 1), now=0.0)
    assert list(limiter._tat) == ["b", "c"]
