"""A resident's own record through the app: the app account asks for a one-time code by the
ID document it is registered with, the code goes to the phone registered with that document,
the account confirms it and is linked; from then on it reads its registrations (masked) and
its cards' history. The answer to asking is the same whether or not the document is
registered, so the endpoint tells nobody who lives here."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zg_access import repository
from zg_access.exceptions import LinkCodeInvalid, LinkRequestsExceeded
from zg_access.models import LinkCode, Resident
from zg_access.personal import Vault
from zg_access.residents import resident_read
from zg_access.schemas import LinkRequest, MyRecord, SwipeRead
from zg_access.sms import SmsSender
from zg_common.contracts.gateway import PrincipalRevoked
from zg_common.events import CloudEvent
from zg_common.identity import Identity

REQUESTS_PER_DAY = 5  # codes one app account may ask for in 24 hours
HISTORY = 200  # swipes shown


def _hash(code: str, link_id: uuid.UUID) -> str:
    return hashlib.sha256(f"{link_id}:{code}".encode()).hexdigest()


async def request_code(
    session: AsyncSession,
    caller: Identity,
    data: LinkRequest,
    *,
    vault: Vault,
    sms: SmsSender,
    ttl: timedelta,
    now: datetime,
) -> None:
    asked = await session.scalar(
        select(func.count())
        .select_from(LinkCode)
        .where(LinkCode.app_sub == caller.sub, LinkCode.created_at > now - timedelta(days=1))
    )
    if (asked or 0) >= REQUESTS_PER_DAY:
        raise LinkRequestsExceeded(
            f"At most {REQUESTS_PER_DAY} codes a day", headers={"Retry-After": "3600"}
        )
    resident = await repository.living_by_lookup(
        session, vault.lookup(data.id_type, data.id_number)
    )
    if resident is None or resident.phone_enc is None:
        # counted all the same (no probing for free), and nothing is sent
        session.add(
            LinkCode(
                id=uuid.uuid4(),
                resident_id=None,
                app_sub=caller.sub,
                code_hash="",
                created_at=now,
                expires_at=now,
                attempts=0,
            )
        )
        return
    link_id = uuid.uuid4()
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        LinkCode(
            id=link_id,
            resident_id=resident.id,
            app_sub=caller.sub,
            code_hash=_hash(code, link_id),
            created_at=now,
            expires_at=now + ttl,
            attempts=0,
        )
    )
    phone = vault.open(resident.phone_enc, row=resident.id, field="phone")
    minutes = int(ttl.total_seconds() // 60)
    await sms.send(phone, f"【综管】您的门禁账户绑定验证码为 {code}，{minutes} 分钟内有效。")


async def confirm_code(
    session: AsyncSession, caller: Identity, code: str, *, max_attempts: int, now: datetime
) -> LinkCodeInvalid | None:
    """The account's latest live code: right, and the account is linked to its resident;
    wrong, and one of its tries is spent — returned, not raised, so that the request's unit of
    work commits the spent try."""
    link = await session.scalar(
        select(LinkCode)
        .where(
            LinkCode.app_sub == caller.sub,
            LinkCode.resident_id.is_not(None),
            LinkCode.used_at.is_(None),
            LinkCode.expires_at > now,
        )
        .order_by(LinkCode.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    if link is None or link.attempts >= max_attempts:
        return LinkCodeInvalid("No live code for this account: ask for a new one")
    if not hmac.compare_digest(link.code_hash, _hash(code, link.id)):
        link.attempts += 1
        return LinkCodeInvalid(f"Wrong code ({max_attempts - link.attempts} tries left)")
    link.used_at = now
    await session.execute(
        update(Resident)
        .where(Resident.id == link.resident_id, Resident.departed_on.is_(None))
        .values(app_sub=caller.sub)
    )
    return None


async def my_record(session: AsyncSession, caller: Identity) -> MyRecord:
    mine = list(
        await session.scalars(
            select(Resident)
            .where(Resident.app_sub == caller.sub)
            .order_by(Resident.registered_at.desc())
        )
    )
    cards = await repository.cards_of(session, [r.id for r in mine])
    numbers = [c.number for r in mine for c in cards[r.id]]
    swipes = await repository.swipes_of_cards(session, numbers, limit=HISTORY)
    return MyRecord(
        residents=[resident_read(r, cards[r.id]) for r in mine],
        swipes=[
            SwipeRead(
                gate_id=s.gate_id,
                at=s.at,
                direction=s.direction,
                accepted=s.accepted,
                refusal=s.refusal,
            )
            for s in swipes
        ],
    )


async def unlink_revoked(session: AsyncSession, event: CloudEvent) -> None:
    """A disabled app account is linked to nobody any more, and its live codes end (consumer
    of `gateway.principal.revoked.v1`): a re-enabled or new account links again."""
    revoked = PrincipalRevoked.parse(event)
    if revoked.reason != "account_disabled":
        return
    await session.execute(
        update(Resident).where(Resident.app_sub == revoked.sub).values(app_sub=None)
    )
    await session.execute(
        update(LinkCode)
        .where(LinkCode.app_sub == revoked.sub, LinkCode.used_at.is_(None))
        .values(expires_at=revoked.revoked_at)
    )
