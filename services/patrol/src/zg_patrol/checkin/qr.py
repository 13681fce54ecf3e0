"""The signed token each patrol point's QR code carries: `ZGP1.<point>.<issued>.<signature>`,
HMAC-SHA256 over the rest with the service's QR secret (ZG_PATROL_QR_SECRET), truncated to 128
bits. A code is valid for `token_valid_days` after it was issued (printed); printing a new sheet
issues new codes. Pure functions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date, timedelta

PREFIX = "ZGP1"
TOKEN = re.compile(r"^ZGP1\.([A-Za-z0-9_-]{1,20})\.(\d{8})\.([A-Za-z0-9_-]{22})$")


class TokenRefused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _signature(point_id: str, issued: date, secret: bytes) -> str:
    body = f"{PREFIX}.{point_id}.{issued:%Y%m%d}".encode()
    digest = hmac.new(secret, body, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(point_id: str, issued: date, secret: bytes) -> str:
    return f"{PREFIX}.{point_id}.{issued:%Y%m%d}.{_signature(point_id, issued, secret)}"


def verify(token: str, secret: bytes, *, today: date, valid_days: int) -> tuple[str, date]:
    """The point and the issue date of a genuine, unexpired token; else TokenRefused with the
    reason: malformed, bad_signature, expired."""
    match = TOKEN.match(token.strip())
    if match is None:
        raise TokenRefused("malformed", "this is not a Zongguan patrol point code")
    point_id, issued_text, signature = match.groups()
    try:
        issued = date(int(issued_text[:4]), int(issued_text[4:6]), int(issued_text[6:]))
    except ValueError as exc:
        raise TokenRefused("malformed", "this is not a Zongguan patrol point code") from exc
    if not hmac.compare_digest(signature, _signature(point_id, issued, secret)):
        raise TokenRefused("bad_signature", "the code's signature is not genuine (forged)")
    if issued > today:
        raise TokenRefused("bad_signature", "the code is dated in the future")
    if today > issued + timedelta(days=valid_days):
        raise TokenRefused(
            "expired", f"the code expired on {issued + timedelta(days=valid_days)}: reprint it"
        )
    return point_id, issued
