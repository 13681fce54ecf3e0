"""Accounts, managed by admins: create, list, disable (which also ends the account's logins)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.gateway import PrincipalRevoked
from zg_common.errors import Conflict
from zg_gateway import revocations
from zg_gateway.exceptions import AccountNotFound
from zg_gateway.models import Account, RefreshToken, outbox
from zg_gateway.passwords import hash_password


async def create_account(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: str,
    name: str,
    department_ids: list[str],
    grid_ids: list[str],
    badge: str | None = None,
    compound_ids: list[str] | None = None,
) -> Account:
    account = Account(
        id=uuid.uuid4(),
        username=username,
        password_hash=await asyncio.to_thread(hash_password, password),
        role=role,
        name=name,
        department_ids=department_ids,
        grid_ids=grid_ids,
        compound_ids=compound_ids or [],
        badge=badge,
    )
    session.add(account)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if badge is not None and "badge" in str(exc.orig):
            raise Conflict(f"The badge {badge} has an account", code="badge_taken") from exc
        raise Conflict(f"The username {username!r} is taken", code="username_taken") from exc
    return account


async def list_accounts(session: AsyncSession) -> list[Account]:
    return list(await session.scalars(select(Account).order_by(Account.username)))


async def disable_account(session: AsyncSession, account_id: uuid.UUID) -> None:
    account = await session.get(Account, account_id, with_for_update=True)
    if account is None:
        raise AccountNotFound(f"No account {account_id}")
    if account.active:
        revoked = PrincipalRevoked(
            sub=str(account.id), reason="account_disabled", revoked_at=datetime.now(UTC)
        )
        await outbox.add(session, revoked, subject=revoked.sub)
    account.active = False
    await revocations.revoke(session, "sub", str(account.id))
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
