"""The signed code a patrol point's QR carries: `ZGP2.<point>.<serial>.<issued>.<kid>.<signature>`.

Ed25519 over everything before the signature. Patrol signs with the private key derived from its
secret (`ZG_PATROL_QR_SECRET`); whoever reads codes — patrol for officers' check-ins and
residents' supervision, intake for residents' reports "there" — verifies with public keys
(`ZG_QR_PUBLIC_KEYS`), so that a reader cannot mint codes. `kid` names the signing key: a new
secret signs new codes while the old public key stays in the list until its cards are reprinted.
`serial` is the point's code serial: reissuing a point raises it and revokes every older code of
the point (the reader compares it with the point's). `issued` is the day the code was printed;
patrol refuses a code older than its validity for check-ins.

    python -m zg_common.keys point-codes    # the public key list of $ZG_PATROL_QR_SECRET
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from zg_common.keys import b64, key_id, private_key, public_key, public_text, unb64

PREFIX = "ZGP2"
CODE = re.compile(
    r"^ZGP2\.([A-Za-z0-9_-]{1,20})\.(\d{1,6})\.(\d{8})\.([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]{86})$"
)


class CodeRefused(Exception):
    """Why a scanned code is not taken: `reason` is malformed, unknown_key, bad_signature,
    expired or revoked."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class PointCode:
    point_id: str
    serial: int
    issued: date
    kid: str


class Signer:
    def __init__(self, secret: str) -> None:
        self._key = private_key(secret, "point-codes")
        self.public_key = public_text(self._key)
        self.kid = key_id(self.public_key)

    def issue(self, point_id: str, serial: int, issued: date) -> str:
        body = f"{PREFIX}.{point_id}.{serial}.{issued:%Y%m%d}.{self.kid}"
        return f"{body}.{b64(self._key.sign(body.encode()))}"


class Keyring:
    """The public keys codes are verified with, by key id."""

    def __init__(self, public_keys: Iterable[str]) -> None:
        self.keys: dict[str, Ed25519PublicKey] = {}
        for text in public_keys:
            self.keys[key_id(text)] = public_key(text)

    def read(self, token: str) -> PointCode:
        """The point, serial, issue day and key of a genuine code; else `CodeRefused`."""
        match = CODE.match(token.strip())
        if match is None:
            raise CodeRefused("malformed", "this is not a Zongguan patrol point code")
        point_id, serial, issued_text, kid, signature = match.groups()
        try:
            issued = date(int(issued_text[:4]), int(issued_text[4:6]), int(issued_text[6:]))
        except ValueError as exc:
            raise CodeRefused("malformed", "this is not a Zongguan patrol point code") from exc
        key = self.keys.get(kid)
        if key is None:
            raise CodeRefused("unknown_key", "the code was signed with a key not in use here")
        body = token.strip().rsplit(".", 1)[0].encode()
        try:
            key.verify(unb64(signature), body)
        except InvalidSignature as exc:
            raise CodeRefused("bad_signature", "the code's signature is not genuine") from exc
        return PointCode(point_id, int(serial), issued, kid)


def check_current(code: PointCode, *, serial: int, today: date, valid_days: int | None) -> None:
    """The code is the point's current one (not revoked by a reissue), not dated in the future
    and, if `valid_days` is given, not expired."""
    if code.serial != serial:
        raise CodeRefused("revoked", "the point's code was reissued: this card is void")
    if code.issued > today:
        raise CodeRefused("bad_signature", "the code is dated in the future")
    if valid_days is not None and today > code.issued + timedelta(days=valid_days):
        until = code.issued + timedelta(days=valid_days)
        raise CodeRefused("expired", f"the code expired on {until}: reprint it")
