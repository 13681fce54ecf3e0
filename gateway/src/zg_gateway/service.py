"""Authentication use cases: log in, refresh with rotation and reuse detection, log out.

They add and change rows; the caller's unit of work commits.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.errors import Unauthorized
from zg_common.identity import Identity
from zg_gateway import revocations
from zg_gateway.models import Account, RefreshToken
from zg_gateway.passwords import verify_password
from zg_gateway.schemas import TokenPair
from zg_gateway.tokens import AccessTokens, new_refresh_secret, refresh_hash


@dataclass(frozen=True)
class TokenPolicy:
    access: AccessTokens
    refresh_ttl: timedelta


def identity_of(account: Account) -> Identity:
    return Identity(
        sub=str(account.id),
        role=account.role,
        name=account.name,
        department_ids=tuple(account.department_ids),
        grid_ids=tuple(account.grid_ids),
        compound_ids=tuple(account.compound_ids),
        badge=account.badge,
    )


async def _issue(
    session: AsyncSession, account: Account, family_id: uuid.UUID, policy: TokenPolicy
) -> TokenPair:
    secret = new_refresh_secret()
    now = datetime.now(UTC)
    session.add(
        RefreshToken(
            id=uuid.uuid4(),
            family_id=family_id,
            account_id=account.id,
            token_hash=refresh_hash(secret),
            issued_at=now,
            expires_at=now + policy.refresh_ttl,
        )
    )
    return TokenPair(
        access_token=policy.access.issue(identity_of(account), family_id=family_id),
        expires_in=policy.access.ttl_s,
        refresh_token=secret,
    )


async def log_in(
    session: AsyncSession, *, username: str, password: str, policy: TokenPolicy
) -> TokenPair:
    account = await session.scalar(select(Account).where(Account.username == username))
    # argon2 takes tens of milliseconds of CPU: off the event loop
    verified = await asyncio.to_thread(
        verify_password, account.password_hash if account else None, password
    )
    if not verified or not (account and account.active):
        raise Unauthorized("Wrong username or password", code="login_failed")
    return await _issue(session, account, uuid.uuid4(), policy)


@dataclass(frozen=True)
class RefreshReused:
    """A spent refresh token came back: its family is revoked (the caller must commit that)."""

    family_id: uuid.UUID


async def refresh(
    session: AsyncSession, *, refresh_token: str, policy: TokenPolicy
) -> TokenPair | RefreshReused:
    """Rotate: the presented token is spent and a new one issued in its family. A spent token
    presented again means it was stolen or replayed: the whole family is revoked, and that
    outcome is returned rather than raised so that the revocation is committed."""
    now = datetime.now(UTC)
    row = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == refresh_hash(refresh_token))
        .with_for_update()
    )
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized(
            "The refresh token is not valid; log in again", code="refresh_token_invalid"
        )
    if row.rotated_at is not None:
        await revoke_family(session, row.family_id)
        return RefreshReused(row.family_id)
    account = await session.get(Account, row.account_id)
    if account is None or not account.active:
        raise Unauthorized("The account is disabled", code="account_disabled")
    row.rotated_at = now
    return await _issue(session, account, row.family_id, policy)


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    """End a login: its refresh tokens, and the access tokens issued in it."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    await revocations.revoke(session, "family", str(family_id))


async def log_out(session: AsyncSession, *, refresh_token: str) -> None:
    """End this login: its refresh family is revoked, and its access tokens with it."""
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == refresh_hash(refresh_token))
    )
    if row is not None:
        await revoke_family(session, row.family_id)
