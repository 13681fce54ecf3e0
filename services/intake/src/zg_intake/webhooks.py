"""Webhooks: partner systems (the 12345 hotline, department systems) subscribe to the status
changes of the cases they may see. Each history entry (written in the transaction of the change,
so nothing is lost) is fanned out by a background worker into one delivery per subscriber, then
POSTed:
HMAC-signed, retried with exponential backoff, the delivery id stable across retries so that
receivers can de-duplicate, every attempt's outcome kept as the delivery log."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.gateway import PrincipalRevoked
from zg_common.db import unit_of_work
from zg_common.errors import FieldError, ValidationFailed
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_intake import wording
from zg_intake.access import may_read
from zg_intake.config import IntakeSettings
from zg_intake.exceptions import WebhookNotFound
from zg_intake.models import (
    Case,
    CaseFollower,
    CaseStatusChange,
    WebhookDelivery,
    WebhookSubscription,
)
from zg_intake.runtime import IntakeRuntime

log = logging.getLogger(__name__)

EVENT = "case.status_changed"
SIGNATURE_HEADER = "X-Zongguan-Signature"
DELIVERY_HEADER = "X-Zongguan-Delivery"
EVENT_HEADER = "X-Zongguan-Event"
MANAGES_ALL = frozenset({"admin"})


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`: receivers recompute it and
    refuse old timestamps (replays)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, tolerance_s: int = 300) -> bool:
    """What a receiver does (and the tests do) with the signature header."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


# --- subscriptions --------------------------------------------------------------------------


async def subscribe(
    session: AsyncSession,
    *,
    owner: Identity,
    url: str,
    statuses: Sequence[str],
    settings: IntakeSettings,
) -> WebhookSubscription:
    if settings.environment == "production" and not url.startswith("https://"):
        raise ValidationFailed(
            "Webhook URLs must use https",
            errors=[FieldError(field="url", code="https_required", message="use https://")],
        )
    host = httpx.URL(url).host
    with contextlib.suppress(ValueError):  # a name: checked when it is resolved, at connect
        if not settings.egress_policy().allows(ip_address(host)):
            raise ValidationFailed(
                "Webhooks are not delivered to this address",
                errors=[
                    FieldError(
                        field="url",
                        code="address_not_allowed",
                        message="loopback, private, link-local, multicast and metadata "
                        "addresses are refused unless the operator allowlisted them",
                    )
                ],
            )
    subscription = WebhookSubscription(
        id=uuid.uuid4(),
        owner_sub=owner.sub,
        owner_identity=owner.model_dump(mode="json"),
        url=url,
        secret="whsec_" + secrets.token_urlsafe(32),
        statuses=list(dict.fromkeys(statuses)),
        active=True,
        created_at=datetime.now(UTC),
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def subscriptions_of(session: AsyncSession, caller: Identity) -> list[WebhookSubscription]:
    query = select(WebhookSubscription).where(WebhookSubscription.active)
    if caller.role not in MANAGES_ALL:
        query = query.where(WebhookSubscription.owner_sub == caller.sub)
    return list(await session.scalars(query.order_by(WebhookSubscription.created_at)))


async def owned_subscription(
    session: AsyncSession, subscription_id: uuid.UUID, caller: Identity
) -> WebhookSubscription:
    found = await session.get(WebhookSubscription, subscription_id)
    if (
        found is None
        or not found.active
        or (caller.role not in MANAGES_ALL and found.owner_sub != caller.sub)
    ):
        raise WebhookNotFound(f"No webhook subscription {subscription_id}")
    return found


async def unsubscribe(session: AsyncSession, subscription_id: uuid.UUID, caller: Identity) -> None:
    """Deactivated, not deleted: its delivery log stays; pending deliveries stop."""
    found = await owned_subscription(session, subscription_id, caller)
    found.active = False
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == found.id, WebhookDelivery.state == "pending")
        .values(state="cancelled")
    )


async def stop_for_revoked(session: AsyncSession, event: CloudEvent) -> None:
    """A subscription belongs to the caller that made it: when the gateway revokes that key
    (or rotates it) or disables that account, its subscriptions end and their pending
    deliveries are cancelled (consumer of `gateway.principal.revoked.v1`)."""
    revoked = PrincipalRevoked.parse(event)
    ended = list(
        await session.scalars(
            update(WebhookSubscription)
            .where(WebhookSubscription.owner_sub == revoked.sub, WebhookSubscription.active)
            .values(active=False)
            .returning(WebhookSubscription.id)
        )
    )
    if ended:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.subscription_id.in_(ended), WebhookDelivery.state == "pending")
            .values(state="cancelled")
        )
        log.info(
            "webhook subscriptions ended: their owner was revoked",
            extra={"sub": revoked.sub, "reason": revoked.reason, "subscriptions": len(ended)},
        )


async def deliveries_of(
    session: AsyncSession, subscription_id: uuid.UUID, caller: Identity, *, limit: int
) -> list[WebhookDelivery]:
    found = await owned_subscription(session, subscription_id, caller)
    return list(
        await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == found.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
            .limit(limit)
        )
    )


# --- enqueueing, in the transaction of the change -------------------------------------------


def _ref(case: Case) -> dict[str, Any] | None:
    if not case.external_system:
        return None
    return {"system": case.external_system, "id": case.external_id}


def payload(
    case: Case,
    change: CaseStatusChange,
    delivery_id: uuid.UUID,
    via: Case | None = None,
    *,
    public: bool = False,
) -> dict[str, Any]:
    """`via`: the subscriber's own report that was merged into this case (a 12345 order
    merged into an earlier report): so that the subscriber can match the change to its
    order. `public`: the subscriber only follows the case through that report (its row rules
    do not give it the case), so it gets the public status in plain words, not the case's
    category, department, grid, reference or the change's note (`access.may_read`)."""
    body: dict[str, Any] = {
        "id": str(delivery_id),
        "type": EVENT,
        "case": {"id": str(case.id), "number": case.number, "status": case.status}
        if public
        else {
            "id": str(case.id),
            "number": case.number,
            "status": case.status,
            "category": case.category,
            "department": case.department_id,
            "grid_id": case.grid_id,
            "merged_into": str(case.merged_into_id) if case.merged_into_id else None,
            "external_ref": _ref(case),
        },
        "change": {
            "status": change.status,
            "at": change.at.isoformat(),
            "note": "" if public else change.note,
            "text": wording.plain(change.status),
        },
    }
    if via is not None:
        body["via_report"] = {"id": str(via.id), "number": via.number, "external_ref": _ref(via)}
    return body


FAN_OUT_BATCH = 500


async def fan_out(runtime: IntakeRuntime) -> int:
    """Queue one delivery per active subscription whose owner may read the case (and that
    wants the status) for each history entry not fanned out yet; mark the entries. Entries are
    claimed with SKIP LOCKED, so replicas share the work; the unique (subscription, entry)
    constraint keeps a delivery from being queued twice."""
    async with unit_of_work(runtime.sessions) as session:
        changes = list(
            await session.scalars(
                select(CaseStatusChange)
                .where(~CaseStatusChange.fanned_out)
                .order_by(CaseStatusChange.id)
                .limit(FAN_OUT_BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        if not changes:
            return 0
        subscriptions = [
            (s, Identity.model_validate(s.owner_identity))
            for s in await session.scalars(
                select(WebhookSubscription).where(WebhookSubscription.active)
            )
        ]
        if subscriptions:
            case_ids = {c.case_id for c in changes}
            cases = {
                c.id: c for c in await session.scalars(select(Case).where(Case.id.in_(case_ids)))
            }
            # who follows these cases through a merged report of theirs, and which report
            follows: dict[tuple[uuid.UUID, str], Case] = {}
            for follower, report in await session.execute(
                select(CaseFollower, Case)
                .join(Case, Case.id == CaseFollower.via_case_id)
                .where(CaseFollower.case_id.in_(case_ids))
            ):
                follows[(follower.case_id, follower.sub)] = report
            now = datetime.now(UTC)
            for change in changes:
                case = cases[change.case_id]
                for subscription, owner in subscriptions:
                    if subscription.statuses and change.status not in subscription.statuses:
                        continue
                    via = follows.get((case.id, owner.sub))
                    reads = may_read(owner, case)
                    if not reads and via is None:
                        continue
                    delivery_id = uuid.uuid4()
                    await session.execute(
                        pg_insert(WebhookDelivery)
                        .values(
                            id=delivery_id,
                            subscription_id=subscription.id,
                            case_id=case.id,
                            status_change_id=change.id,
                            payload=payload(case, change, delivery_id, via, public=not reads),
                            state="pending",
                            attempts=0,
                            next_attempt_at=now,
                        )
                        .on_conflict_do_nothing()
                    )
        await session.execute(
            update(CaseStatusChange)
            .where(CaseStatusChange.id.in_([c.id for c in changes]))
            .values(fanned_out=True)
        )
        return len(changes)
