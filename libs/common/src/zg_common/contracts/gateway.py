"""Events published by the gateway (topic `gateway.principal`): what happens to the callers it
authenticates that other services act on."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from zg_common.events import EventContract

TOPIC_PRINCIPAL = "gateway.principal"


class PrincipalRevoked(EventContract):
    """A caller's credentials stopped working: an API key revoked or rotated (the new key is a
    new caller), an account disabled. Whatever a service does in that caller's name without a
    request — webhook deliveries — stops too."""

    event_type: ClassVar[str] = "gateway.principal.revoked.v1"
    topic: ClassVar[str] = TOPIC_PRINCIPAL

    sub: str = Field(
        description="the identity's `sub`: `key:<id>` for an API key, the account id",
        examples=["key:8f0c2d6e-6a4b-4e4c-9c1a-0d7a1b2c3d4e"],
    )
    reason: Literal["key_revoked", "key_rotated", "account_disabled"]
    revoked_at: datetime


CONTRACTS: tuple[type[EventContract], ...] = (PrincipalRevoked,)
