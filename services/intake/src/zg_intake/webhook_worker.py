"""The webhook worker: fans history entries out into deliveries (`webhooks.fan_out`) and POSTs
what is due, through the egress guard (`zg_common.egress`): signed, retried with exponential
backoff, every attempt counted and its outcome written to the delivery log in a word from a
fixed list."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from prometheus_client import Counter
from sqlalchemy import select, update

from zg_common import egress
from zg_common.db import unit_of_work
from zg_intake.config import IntakeSettings
from zg_intake.models import WebhookDelivery, WebhookSubscription
from zg_intake.runtime import IntakeRuntime
from zg_intake.webhooks import (
    DELIVERY_HEADER,
    EVENT,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    fan_out,
    sign,
)

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # a claimed delivery is tried again after this if its worker died
BATCH = 20

DELIVERY_ATTEMPTS = Counter(
    "zg_webhook_delivery_attempts_total", "Webhook delivery attempts, by outcome", ["outcome"]
)


def failure(exc: BaseException) -> str:
    """What the delivery log says of a failed attempt: a word from a fixed list, never the
    exception's text (it would tell a subscriber about the network it cannot see)."""
    if egress.refused(exc):
        return "address_refused"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connection_failed"
    if isinstance(exc, httpx.HTTPError):
        return "request_failed"
    return "internal_error"


def backoff(attempts: int, base_s: float) -> timedelta:
    """base, 2 x base, 4 x base ... capped at an hour, with up to 10 % jitter."""
    delay = min(base_s * 2 ** (attempts - 1), 3600.0)
    return timedelta(seconds=delay * (1 + random.random() / 10))


async def run_worker(runtime: IntakeRuntime) -> None:
    """Background task: deliver what is due, forever."""
    settings = runtime.settings
    async with httpx.AsyncClient(
        transport=egress.guarded_transport(settings.egress_policy()),
        timeout=settings.webhook_timeout_s,
        follow_redirects=False,
        headers={"User-Agent": "Zongguan-Webhooks/1"},
    ) as client:
        while True:
            fanned = await fan_out(runtime)
            done = await deliver_due(runtime, client, settings)
            if fanned == 0 and done == 0:
                await asyncio.sleep(settings.webhook_poll_interval_s)


async def deliver_due(
    runtime: IntakeRuntime, client: httpx.AsyncClient, settings: IntakeSettings
) -> int:
    """Claim up to a batch of due deliveries (a lease, committed, so that several replicas
    share the work and a dead worker's claims come back), then POST them concurrently."""
    now = datetime.now(UTC)
    async with unit_of_work(runtime.sessions) as session:
        rows = (
            await session.execute(
                select(WebhookDelivery, WebhookSubscription.url, WebhookSubscription.secret)
                .join(WebhookSubscription)
                .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(BATCH)
                .with_for_update(of=WebhookDelivery, skip_locked=True)
            )
        ).all()
        for delivery, _, _ in rows:
            delivery.next_attempt_at = now + LEASE
        claimed = [(d.id, d.payload, url, secret) for d, url, secret in rows]
    if not claimed:
        return 0
    outcomes = await asyncio.gather(
        *(attempt(runtime, client, settings, *item) for item in claimed),
        return_exceptions=True,
    )
    for (delivery_id, *_), outcome in zip(claimed, outcomes, strict=True):
        if isinstance(outcome, Exception):  # recording the attempt failed (the database):
            # the lease brings the delivery back in two minutes
            DELIVERY_ATTEMPTS.labels("unrecorded").inc()
            log.warning(
                "webhook attempt not recorded; retried when its lease ends",
                extra={"delivery": str(delivery_id), "error": repr(outcome)[:500]},
            )
    return len(claimed)


async def attempt(
    runtime: IntakeRuntime,
    client: httpx.AsyncClient,
    settings: IntakeSettings,
    delivery_id: uuid.UUID,
    body_json: dict[str, Any],
    url: str,
    secret: str,
) -> None:
    body = json.dumps(body_json, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        DELIVERY_HEADER: str(delivery_id),
        EVENT_HEADER: EVENT,
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
    }
    status_code: int | None = None
    error: str | None = None
    try:
        response = await client.post(url, content=body, headers=headers)
        status_code = response.status_code
    except Exception as exc:  # whatever it is, the attempt is counted and logged
        error = failure(exc)
        log.warning(
            "webhook delivery attempt failed",
            extra={"delivery": str(delivery_id), "reason": error, "error": repr(exc)[:500]},
        )
    DELIVERY_ATTEMPTS.labels(
        error or ("delivered" if status_code and 200 <= status_code < 300 else "http_status")
    ).inc()
    delivered = status_code is not None and 200 <= status_code < 300
    async with unit_of_work(runtime.sessions) as session:
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.state != "pending":
            return  # the subscription was cancelled meanwhile
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error or (None if delivered else "http_status")
        now = datetime.now(UTC)
        if delivered:
            delivery.state, delivery.delivered_at = "delivered", now
        elif error == "address_refused":  # policy, not a passing fault: trying again is no use
            delivery.state = "failed"
        elif status_code == 410:  # the receiver says the subscription is gone
            delivery.state = "failed"
            await session.execute(
                update(WebhookSubscription)
                .where(WebhookSubscription.id == delivery.subscription_id)
                .values(active=False)
            )
        elif delivery.attempts >= settings.webhook_max_attempts:
            delivery.state = "failed"
            log.warning(
                "webhook delivery failed for good",
                extra={"delivery": str(delivery_id), "attempts": delivery.attempts},
            )
        else:
            delivery.next_attempt_at = now + backoff(
                delivery.attempts, settings.webhook_retry_base_s
            )
