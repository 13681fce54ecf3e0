"""Who is calling: the identity the gateway establishes and signs, and every service verifies.

The gateway authenticates the caller and forwards an `X-ZG-Identity` header:
`v1.<base64url(JSON identity with iat)>.<base64url(HMAC-SHA256)>`. A service reached directly
cannot be fooled by a header someone typed: without the shared secret the signature fails, and
an old header expires after IDENTITY_MAX_AGE_S.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zg_common import keys
from zg_common.errors import Unauthorized

IDENTITY_HEADER = "x-zg-identity"
IDENTITY_TTL_S = 30  # a forwarded call's header; the gateway signs each call afresh
CLOCK_SKEW_S = 5  # between the gateway's clock and a service's
_VERSION = "v2"

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
    "property_staff",
]
ROLES: tuple[Role, ...] = Role.__args__  # type: ignore[attr-defined]


class Identity(BaseModel):
    """The verified caller. Row-level rules read `department_ids`, `grid_ids` and
    `compound_ids`; a partner key is further limited to its `operations`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sub: str = Field(min_length=1, max_length=100, description="account id, key id or 'anonymous'")
    role: Role
    name: str = ""
    department_ids: tuple[str, ...] = ()
    grid_ids: tuple[str, ...] = ()
    badge: str | None = Field(default=None, description="an officer's badge number (ZG001)")
    compound_ids: tuple[str, ...] = Field(
        default=(),
        description="property staff and access-control vendors' keys: the residential "
        "compounds they serve (smart access, 一卡通)",
    )
    operations: tuple[str, ...] | None = Field(
        default=None, description="partner keys: the only operations allowed; None: the role's"
    )


ANONYMOUS = Identity(sub="anonymous", role="anonymous")


class IdentitySigner:
    """The gateway's: signs the identity of each call it forwards."""

    def __init__(self, secret: str) -> None:
        self._key = keys.private_key(secret, "identity")
        self.public_key = keys.public_text(self._key)

    def sign(
        self,
        identity: Identity,
        *,
        audience: str,
        method: str,
        path: str,
        now: float | None = None,
    ) -> str:
        issued = int(now if now is not None else time.time())
        # a field at its default is left out: a caller without compounds signs as before
        claims = identity.model_dump(mode="json", exclude_defaults=True) | {
            "iat": issued,
            "exp": issued + IDENTITY_TTL_S,
            "aud": audience,
            "htm": method.upper(),
            "htu": path,
        }
        body = keys.b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return f"{_VERSION}.{body}.{keys.b64(self._key.sign(f'{_VERSION}.{body}'.encode()))}"


class IdentityVerifier:
    """A service's: the identity in the header of the call it received, or 401 problem+json
    saying what is wrong with it."""

    def __init__(self, public_keys: Iterable[str], *, audience: str) -> None:
        self.keys: list[Ed25519PublicKey] = [keys.public_key(k) for k in public_keys]
        self.audience = audience

    def verify(
        self, header: str | None, *, method: str, path: str, now: float | None = None
    ) -> Identity:
        if not header:
            raise Unauthorized(
                "No verified identity: call this service through the gateway",
                code="identity_missing",
            )
        parts = header.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            raise Unauthorized("The identity header is malformed", code="identity_invalid")
        _, body, signature = parts
        try:
            genuine = keys.verifies(self.keys, keys.unb64(signature), f"{_VERSION}.{body}".encode())
        except ValueError:
            genuine = False
        if not genuine:
            raise Unauthorized(
                "The identity header is not signed by the gateway", code="identity_invalid"
            )
        try:
            claims = json.loads(keys.unb64(body))
            issued, expires = int(claims.pop("iat")), int(claims.pop("exp"))
            bound = (claims.pop("aud"), claims.pop("htm"), claims.pop("htu"))
            identity = Identity.model_validate(claims)
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            raise Unauthorized("The identity header is malformed", code="identity_invalid") from exc
        moment = now if now is not None else time.time()
        if moment > expires + CLOCK_SKEW_S or moment < issued - CLOCK_SKEW_S:
            raise Unauthorized("The identity header has expired", code="identity_expired")
        if bound != (self.audience, method.upper(), path):
            raise Unauthorized(
                "The identity header was signed for another call", code="identity_invalid"
            )
        return identity
