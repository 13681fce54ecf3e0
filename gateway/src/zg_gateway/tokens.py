"""Access tokens (short-lived JWTs the gateway issues and checks) and refresh-token secrets."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections import OrderedDict

import jwt

from zg_common.errors import Unauthorized
from zg_common.identity import Identity
from zg_gateway.revocations import Revocations

ALGORITHM = "HS256"
AUDIENCE = "zongguan-api"
KEPT_TOKENS = 4096


class KeptTokens:
    """Bearer tokens whose signature and claims were checked, kept until they expire: an app
    calls many times with one token, and checking it again each time was a tenth of the
    gateway's CPU. Bounded (the least recently used go first); expiry is judged on every call,
    as PyJWT judges `exp`. Whatever else a verifier checks per call (revocation) stays its own."""

    def __init__(self, size: int = KEPT_TOKENS) -> None:
        self.size = size
        # token -> (identity, expiry, token family)
        self._kept: OrderedDict[str, tuple[Identity, float, str | None]] = OrderedDict()

    def get(self, token: str) -> tuple[Identity, str | None] | None:
        """(identity, family) of a kept token; None if not kept; 401 once it has expired."""
        kept = self._kept.get(token)
        if kept is None:
            return None
        identity, expires, family = kept
        if expires <= time.time():
            del self._kept[token]
            raise Unauthorized("The access token has expired: refresh it", code="token_expired")
        self._kept.move_to_end(token)
        return identity, family

    def keep(
        self, token: str, identity: Identity, expires: float, family: str | None = None
    ) -> None:
        self._kept[token] = (identity, expires, family)
        if len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)


class AccessTokens:
    def __init__(
        self, secret: str, *, issuer: str, ttl_s: int, revocations: Revocations | None = None
    ) -> None:
        self.secret = secret
        self.issuer = issuer
        self.ttl_s = ttl_s
        self.revocations = revocations or Revocations()
        self.kept = KeptTokens()  # revocation is still checked on every call

    def issue(self, identity: Identity, *, family_id: uuid.UUID, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": identity.sub,
            "iat": issued,
            "exp": issued + self.ttl_s,
            "jti": uuid.uuid4().hex,
            "fam": str(family_id),
            "role": identity.role,
            "name": identity.name,
            "department_ids": list(identity.department_ids),
            "grid_ids": list(identity.grid_ids),
            "badge": identity.badge,
            "compound_ids": list(identity.compound_ids),
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Identity:
        kept = self.kept.get(token)
        if kept is None:
            identity, expires, family = self._decode(token)
            self.kept.keep(token, identity, expires, family)
        else:
            identity, family = kept
        if self.revocations.revoked(family=family, sub=identity.sub):
            raise Unauthorized(
                "The access token was revoked (logged out, or the account disabled)",
                code="token_revoked",
            )
        return identity

    def _decode(self, token: str) -> tuple[Identity, float, str | None]:
        """Check the token's signature and claims once: (identity, expiry, family)."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized(
                "The access token has expired: refresh it", code="token_expired"
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("The access token is not valid", code="token_invalid") from exc
        try:
            identity = Identity(
                sub=claims["sub"],
                role=claims["role"],
                name=claims.get("name", ""),
                department_ids=tuple(claims.get("department_ids", ())),
                grid_ids=tuple(claims.get("grid_ids", ())),
                badge=claims.get("badge"),
                compound_ids=tuple(claims.get("compound_ids", ())),
            )
            return identity, float(claims["exp"]), claims.get("fam")
        except (KeyError, ValueError, TypeError) as exc:
            raise Unauthorized("The access token is not valid", code="token_invalid") from exc


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(32)


def refresh_hash(token: str) -> str:
    """Only the hash is stored: a leaked table does not leak usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()
