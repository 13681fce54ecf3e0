"""Stream tickets: how a browser's EventSource, which cannot send an Authorization header,
opens the live map's stream without a long-lived token in the URL.

The page asks for a ticket with its access token (`POST /api/v1/ops/stream-tickets`) and opens
`/api/v1/ops/stream?ticket=...` at once. A ticket is a JWT of its own audience and key (an
access token is not a ticket, nor the reverse), lives 30 seconds, carries the identity it was
issued to, and opens one stream once: its id is recorded when it is spent, in the gateway's
schema, so that a ticket read from a log or a proxy's history is worth nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from datetime import UTC, datetime

import jwt
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.errors import Unauthorized
from zg_common.identity import Identity
from zg_gateway.models import StreamTicket

ALGORITHM = "HS256"
AUDIENCE = "zongguan-stream"


class StreamTickets:
    def __init__(self, jwt_secret: str, *, issuer: str, ttl_s: int) -> None:
        # a key of its own, derived from the gateway's: tickets and access tokens never mix
        label = b"zongguan stream tickets"
        self.key = hmac.new(jwt_secret.encode(), label, hashlib.sha256).digest()
        self.issuer = issuer
        self.ttl_s = ttl_s

    def issue(self, identity: Identity, *, now: float | None = None) -> tuple[str, datetime]:
        issued = int(now if now is not None else time.time())
        expires = issued + self.ttl_s
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": identity.sub,
            "iat": issued,
            "exp": expires,
            "jti": uuid.uuid4().hex,
            "idn": identity.model_dump(mode="json"),
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM), datetime.fromtimestamp(
            expires, UTC
        )

    def verify(self, ticket: str) -> tuple[Identity, str, datetime]:
        """The identity, id and expiry of a valid ticket (not yet checked as unspent)."""
        try:
            claims = jwt.decode(
                ticket,
                self.key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "jti"]},
            )
            identity = Identity.model_validate(claims["idn"])
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized(
                "The stream ticket has expired: ask for a new one", code="ticket_expired"
            ) from exc
        except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
            raise Unauthorized("The stream ticket is not valid", code="ticket_invalid") from exc
        return identity, str(claims["jti"]), datetime.fromtimestamp(int(claims["exp"]), UTC)

    async def redeem(self, session: AsyncSession, ticket: str) -> Identity:
        """Spend a ticket: its identity, or 401 when it is invalid, expired or already spent."""
        identity, jti, expires = self.verify(ticket)
        now = datetime.now(UTC)
        # spent tickets are kept only while they could still be presented
        await session.execute(delete(StreamTicket).where(StreamTicket.expires_at < now))
        spent = await session.scalar(
            insert(StreamTicket)
            .values(jti=jti, sub=identity.sub, expires_at=expires, used_at=now)
            .on_conflict_do_nothing(index_elements=["jti"])
            .returning(StreamTicket.jti)
        )
        if spent is None:
            raise Unauthorized(
                "The stream ticket was already used: ask for a new one", code="ticket_used"
            )
        return identity
