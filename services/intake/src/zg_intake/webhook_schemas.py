"""Webhook subscriptions and their delivery log, as the API shows them."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

# a webhook's host as httpx parses it: a (punycode) name, an IPv4 or an IPv6 address (no zone)
HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45}")


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(
        max_length=500,
        pattern=r"^https?://[^\s/$.?#][^\s]*$",
        examples=["https://hotline.example.gov.cn/zongguan/status"],
        description="receives a POST per status change (https in production)",
    )
    statuses: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="only changes to these statuses; empty: every change",
    )

    @field_validator("url")
    @classmethod
    def _a_plain_url(cls, url: str) -> str:
        """A URL the worker can call: parsed as httpx will, a host name or an IP literal, a
        port in range, no credentials or fragment (where it may be delivered is checked at
        connect time: `zg_common.egress`)."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise ValueError(f"not a valid URL: {exc}") from None
        if not parsed.host or not HOST.fullmatch(parsed.host):
            raise ValueError("the URL needs a host name or an IP address")
        if parsed.port is not None and not 0 < parsed.port < 65536:
            raise ValueError("the port must be 1-65535")
        if parsed.userinfo or parsed.fragment:
            raise ValueError("no credentials or fragment in the URL: the signature authenticates")
        return url


class WebhookRead(BaseModel):
    """A subscription. Deliveries carry `X-Zongguan-Delivery` (the same id on every retry:
    de-duplicate on it) and `X-Zongguan-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
    "<t>." + body)>`."""

    id: uuid.UUID
    url: str
    statuses: list[str]
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="the signing secret: shown this once")


class DeliveryRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    state: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, object]
