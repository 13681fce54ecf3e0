"""HTTP endpoints of webhook subscriptions and their delivery logs (partner systems; admins see
all)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from zg_common.authz import require
from zg_common.db import SessionDep
from zg_common.identity import Identity
from zg_intake import webhooks
from zg_intake.dependencies import SettingsDep
from zg_intake.models import WebhookDelivery, WebhookSubscription
from zg_intake.webhook_schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
Manager = Annotated[Identity, require("webhooks.manage")]


def _read(subscription: WebhookSubscription) -> WebhookRead:
    return WebhookRead(
        id=subscription.id,
        url=subscription.url,
        statuses=subscription.statuses,
        created_at=subscription.created_at,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    summary="Subscribe to the status changes of the cases this caller may see",
)
async def subscribe(
    caller: Manager,
    body: WebhookCreate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> WebhookCreated:
    subscription = await webhooks.subscribe(
        session,
        owner=caller,
        url=body.url,
        statuses=body.statuses,
        settings=settings,
    )
    response.headers["Location"] = f"/api/v1/webhooks/{subscription.id}"
    return WebhookCreated(**_read(subscription).model_dump(), secret=subscription.secret)


@router.get("", response_model=list[WebhookRead], summary="This caller's subscriptions")
async def list_subscriptions(caller: Manager, session: SessionDep) -> list[WebhookRead]:
    return [_read(s) for s in await webhooks.subscriptions_of(session, caller)]


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unsubscribe (pending deliveries are cancelled; the log stays)",
)
async def unsubscribe(caller: Manager, webhook_id: uuid.UUID, session: SessionDep) -> Response:
    await webhooks.unsubscribe(session, webhook_id, caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=list[DeliveryRead],
    summary="The delivery log: every change sent, its attempts and outcome, newest first",
)
async def deliveries(
    caller: Manager,
    webhook_id: uuid.UUID,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryRead]:
    rows = await webhooks.deliveries_of(session, webhook_id, caller, limit=limit)
    return [_delivery(d) for d in rows]


def _delivery(d: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead(
        id=d.id,
        case_id=d.case_id,
        state=d.state,
        attempts=d.attempts,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        next_attempt_at=d.next_attempt_at if d.state == "pending" else None,
        created_at=d.created_at,
        delivered_at=d.delivered_at,
        payload=d.payload,
    )
