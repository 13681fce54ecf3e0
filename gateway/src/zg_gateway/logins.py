"""Password guessing held back without handing strangers a way to lock an account out.

Failures are counted per username *and* address (`gateway.login_attempt`, shared by every
gateway replica): after `free_failures` wrong passwords that pair waits 1 s, then 2, 4, … up
to `max_backoff_s` before its next try, and a success clears it. A stranger guessing
`shift-leader`'s password therefore slows only themselves; the shift leader, from their own
machine, logs in as before. Guessing from many addresses at once shows as many failures for
one username (`attack_failures` within `attack_window`): then an address the username has
never logged in from (`gateway.login_known`) gets one try per `unknown_interval` — the owner
from a new machine still gets in at the first right password, an attacker's addresses get a
guess a minute each. Every login also counts against its address's per-minute limit
(`ZG_GATEWAY_RATE_LIMIT_LOGIN_IP_PER_MINUTE`, in `main`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.errors import RateLimited
from zg_gateway.models import LoginAttempt, LoginKnown

KEPT = timedelta(days=1)  # failures older than this are forgotten


@dataclass(frozen=True)
class LoginPolicy:
    free_failures: int = 5
    max_backoff_s: int = 900
    attack_failures: int = 50
    attack_window: timedelta = timedelta(minutes=15)
    unknown_interval: timedelta = timedelta(minutes=1)


def _wait(seconds: float, why: str) -> RateLimited:
    retry = max(1, math.ceil(seconds))
    return RateLimited(
        f"{why}; try again in {retry} s", code="login_backoff", headers={"Retry-After": str(retry)}
    )


async def admit(
    session: AsyncSession, username: str, ip: str, policy: LoginPolicy, *, now: datetime
) -> None:
    """Raise 429 `login_backoff` when this username may not be tried from `ip` yet."""
    name = username.lower()
    row = await session.get(LoginAttempt, (name, ip))
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        raise _wait((row.blocked_until - now).total_seconds(), "Too many failed logins")
    recent = await session.scalar(
        select(func.coalesce(func.sum(LoginAttempt.failures), 0)).where(
            LoginAttempt.username == name,
            LoginAttempt.last_failed_at > now - policy.attack_window,
        )
    )
    if (recent or 0) < policy.attack_failures:
        return
    if await session.get(LoginKnown, (name, ip)) is not None:
        return  # the owner's usual machine
    if row is not None and row.last_failed_at > now - policy.unknown_interval:
        left = row.last_failed_at + policy.unknown_interval - now
        raise _wait(left.total_seconds(), "This account is being guessed at")


async def failed(
    sessions: async_sessionmaker[AsyncSession],
    username: str,
    ip: str,
    policy: LoginPolicy,
    *,
    now: datetime,
) -> None:
    """Count a wrong password for (username, ip) in its own transaction (the login's rolls
    back with the 401) and set the pair's wait."""
    name = username.lower()
    async with sessions.begin() as session:
        failures = await session.scalar(
            insert(LoginAttempt)
            .values(username=name, ip=ip, failures=1, last_failed_at=now)
            .on_conflict_do_update(
                index_elements=[LoginAttempt.username, LoginAttempt.ip],
                set_={
                    # a pair quiet for a day starts again
                    "failures": case(
                        (LoginAttempt.last_failed_at < now - KEPT, 1),
                        else_=LoginAttempt.failures + 1,
                    ),
                    "last_failed_at": now,
                },
            )
            .returning(LoginAttempt.failures)
        )
        over = (failures or 0) - policy.free_failures
        if over >= 0:
            backoff = min(2.0**over, float(policy.max_backoff_s))
            row = await session.get(LoginAttempt, (name, ip))
            if row is not None:
                row.blocked_until = now + timedelta(seconds=backoff)


async def succeeded(session: AsyncSession, username: str, ip: str, *, now: datetime) -> None:
    """A right password: the pair's failures are cleared and the address becomes known."""
    name = username.lower()
    await session.execute(
        delete(LoginAttempt).where(LoginAttempt.username == name, LoginAttempt.ip == ip)
    )
    await session.execute(
        insert(LoginKnown)
        .values(username=name, ip=ip, last_success_at=now)
        .on_conflict_do_update(
            index_elements=[LoginKnown.username, LoginKnown.ip], set_={"last_success_at": now}
        )
    )


async def purge(session: AsyncSession, *, now: datetime) -> None:
    """Forget failures older than a day and addresses not used for a year."""
    await session.execute(delete(LoginAttempt).where(LoginAttempt.last_failed_at < now - KEPT))
    await session.execute(
        delete(LoginKnown).where(LoginKnown.last_success_at < now - timedelta(days=365))
    )
