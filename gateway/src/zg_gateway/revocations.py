"""Access tokens refused before they expire. An access token is a JWT the gateway checks without
a database round trip; to end one early, the gateway keeps a short list — a login's refresh
family (logout, a refresh token presented twice) and an account (disabled) — in the `gateway`
schema, written in the transaction that revokes, and each gateway process holds it in memory,
read again every `ZG_GATEWAY_REVOCATION_POLL_S` (2 s): a revocation holds on every gateway
within that. Entries are dropped (`purge`, hourly) after the longest access token's life (an
older token has expired anyway)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_gateway.models import AccessRevocation

log = logging.getLogger(__name__)

KEPT = timedelta(hours=1)  # the longest access-token life the settings allow
Kind = Literal["family", "sub"]


async def revoke(session: AsyncSession, kind: Kind, value: str) -> None:
    """Refuse the access tokens of a login (`family`) or an account (`sub`), from the commit."""
    now = datetime.now(UTC)
    await session.execute(
        insert(AccessRevocation).values(
            kind=kind, value=value, revoked_at=now, expires_at=now + KEPT
        )
    )


class Revocations:
    def __init__(self) -> None:
        self.families: frozenset[str] = frozenset()
        self.subs: frozenset[str] = frozenset()

    def revoked(self, *, family: str | None, sub: str) -> bool:
        return sub in self.subs or (family is not None and family in self.families)

    async def read(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        now = datetime.now(UTC)
        async with sessions() as session:
            rows = (
                await session.execute(
                    select(AccessRevocation.kind, AccessRevocation.value).where(
                        AccessRevocation.expires_at > now
                    )
                )
            ).all()
        self.families = frozenset(v for k, v in rows if k == "family")
        self.subs = frozenset(v for k, v in rows if k == "sub")

    async def follow(self, sessions: async_sessionmaker[AsyncSession], interval_s: float) -> None:
        """Background loop: read the list every `interval_s`."""
        while True:
            try:
                await self.read(sessions)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away: keep the last list, try again
                log.warning("could not read the access-token revocations", exc_info=True)
            await asyncio.sleep(interval_s)


async def purge(session: AsyncSession, *, now: datetime) -> None:
    """Drop entries older than the longest access token's life."""
    await session.execute(delete(AccessRevocation).where(AccessRevocation.expires_at <= now))
