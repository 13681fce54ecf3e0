"""Partner API keys: created, listed, rotated and revoked by an admin; checked on each call.

A key reads `zgk_<prefix>_<secret>`. It is high-entropy, so a SHA-256 of it is a safe lookup
key (no slow hash needed); the prefix lets people tell keys apart without the secret.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import policy
from zg_common.contracts.gateway import PrincipalRevoked
from zg_common.errors import FieldError, Unauthorized, ValidationFailed
from zg_common.identity import Identity
from zg_gateway.exceptions import ApiKeyNotFound
from zg_gateway.models import ApiKey, outbox


def key_sub(key_id: uuid.UUID) -> str:
    """The identity `sub` of an API key's caller."""
    return f"key:{key_id}"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"zgk_{prefix}_{secrets.token_urlsafe(32)}"


def check_operations(operations: list[str]) -> None:
    known = policy().operations
    bad = [op for op in operations if op not in known or "partner" not in known[op].roles]
    if bad:
        raise ValidationFailed(
            f"Operations a partner key cannot have: {', '.join(bad)}",
            errors=[
                FieldError(
                    field="operations",
                    code="operation_not_allowed",
                    message=f"{op} is not an operation partners may be given",
                )
                for op in bad
            ],
        )


async def create_key(
    session: AsyncSession,
    *,
    name: str,
    department_ids: list[str],
    operations: list[str],
    rotated_from: uuid.UUID | None = None,
    compound_ids: list[str] | None = None,
) -> tuple[ApiKey, str]:
    check_operations(operations)
    prefix, key = _new_key()
    row = ApiKey(
        id=uuid.uuid4(),
        name=name,
        prefix=prefix,
        key_hash=_hash(key),
        department_ids=department_ids,
        operations=operations,
        compound_ids=compound_ids or [],
        rotated_from=rotated_from,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return row, key


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


async def _live_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey:
    row = await session.get(ApiKey, key_id, with_for_update=True)
    if row is None or row.revoked_at is not None:
        raise ApiKeyNotFound(f"No active API key {key_id}")
    return row


async def _revoke(
    session: AsyncSession, row: ApiKey, reason: Literal["key_revoked", "key_rotated"]
) -> None:
    """The key stops working, and what runs in its name elsewhere (webhooks) is told to stop,
    in the same transaction (the outbox)."""
    row.revoked_at = datetime.now(UTC)
    revoked = PrincipalRevoked(sub=key_sub(row.id), reason=reason, revoked_at=row.revoked_at)
    await outbox.add(session, revoked, subject=revoked.sub)


async def revoke_key(session: AsyncSession, key_id: uuid.UUID) -> None:
    await _revoke(session, await _live_key(session, key_id), "key_revoked")


async def rotate_key(session: AsyncSession, key_id: uuid.UUID) -> tuple[ApiKey, str]:
    """A new key with the same scope; the old one stops working at once (and its webhook
    subscriptions with it: the new key is a new caller, which subscribes again)."""
    old = await _live_key(session, key_id)
    await _revoke(session, old, "key_rotated")
    return await create_key(
        session,
        name=old.name,
        department_ids=list(old.department_ids),
        operations=list(old.operations),
        compound_ids=list(old.compound_ids),
        rotated_from=old.id,
    )


async def identity_for_key(session: AsyncSession, key: str) -> Identity:
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("The API key is not valid", code="api_key_invalid")
    return Identity(
        sub=key_sub(row.id),
        role="partner",
        name=row.name,
        department_ids=tuple(row.department_ids),
        operations=tuple(row.operations),
        compound_ids=tuple(row.compound_ids),
    )
