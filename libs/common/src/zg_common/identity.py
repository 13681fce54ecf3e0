"""Who is calling: the identity the gateway establishes and signs, and every service verifies.

The gateway authenticates the caller and forwards an `X-ZG-Identity` header:
`v1.<base64url(JSON identity with iat)>.<base64url(HMAC-SHA256)>`. A service reached directly
cannot be fooled by a header someone typed: without the shared secret the signature fails, and
an old header expires after IDENTITY_MAX_AGE_S.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zg_common.errors import Unauthorized

IDENTITY_HEADER = "x-zg-identity"
IDENTITY_MAX_AGE_S = 60
_VERSION = "v1"

Role = Literal[
    "anonymous",
    "resident",
    "officer",
    "department_staff",
    "intake_operator",
    "dispatcher",
    "shift_leader",
    "manager",
    "admin",
    "partner",
]
ROLES: tuple[Role, ...] = Role.__args__  # type: ignore[attr-defined]


class Identity(BaseModel):
    """The verified caller. Row-level rules read `department_ids` and `grid_ids`; a partner
    key is further limited to its `operations`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sub: str = Field(min_length=1, max_length=100, description="account id, key id or 'anonymous'")
    role: Role
    name: str = ""
    department_ids: tuple[str, ...] = ()
    grid_ids: tuple[str, ...] = ()
    badge: str | None = Field(default=None, description="an officer's badge number (ZG001)")
    operations: tuple[str, ...] | None = Field(
        default=None, description="partner keys: the only operations allowed; None: the role's"
    )


ANONYMOUS = Identity(sub="anonymous", role="anonymous")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), f"{_VERSION}.{body}".encode(), hashlib.sha256).digest())


def sign_identity(identity: Identity, secret: str, *, now: float | None = None) -> str:
    claims = identity.model_dump(mode="json") | {
        "iat": int(now if now is not None else time.time())
    }
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{_VERSION}.{body}.{_mac(secret, body)}"


def verify_identity(
    header: str | None, secret: str, *, now: float | None = None, max_age: int = IDENTITY_MAX_AGE_S
) -> Identity:
    """The identity in a signed header, or 401 problem+json saying what is wrong with it."""
    if not header:
        raise Unauthorized(
            "No verified identity: call this service through the gateway", code="identity_missing"
        )
    parts = header.split(".")
    if len(parts) != 3 or parts[0] != _VERSION:
        raise Unauthorized("The identity header is malformed", code="identity_invalid")
    _, body, mac = parts
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise Unauthorized(
            "The identity header is not signed by the gateway", code="identity_invalid"
        )
    try:
        claims = json.loads(_unb64(body))
        issued = int(claims.pop("iat"))
        identity = Identity.model_validate(claims)
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise Unauthorized("The identity header is malformed", code="identity_invalid") from exc
    age = (now if now is not None else time.time()) - issued
    if age > max_age or age < -max_age:
        raise Unauthorized("The identity header has expired", code="identity_expired")
    return identity
