"""Residents' personal data at rest and on the way out: application-level encryption
(AES-256-GCM, the key derived from `ZG_ACCESS_DATA_SECRET`), a keyed lookup hash of the ID
number (HMAC-SHA256 under `ZG_ACCESS_LOOKUP_SECRET`, its own key) so that one person is found
without decrypting anyone, and the masks every ordinary response shows.

A stored value is `version byte | key id (4) | nonce (12) | ciphertext+tag`; the associated
data binds it to its row and field (a ciphertext copied into another row does not decrypt).
Keys are rotated by adding the new secret in front of `ZG_ACCESS_DATA_SECRET` and keeping the
old ones in `ZG_ACCESS_OLD_DATA_SECRETS` until every row is written again."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
import uuid
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT = 1
_DATA_INFO = b"zongguan access personal data v1"
_LOOKUP_INFO = b"zongguan access id lookup v1"

# the Chinese resident identity card (GB 11643): 17 digits and a check character
RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class PersonalDataError(ValueError):
    """A stored value that no configured key decrypts (a wrong or missing secret)."""


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


class Vault:
    """Encrypts and decrypts one field of one row; hashes ID numbers for lookup."""

    def __init__(self, data_secret: str, lookup_secret: str, old: Sequence[str] = ()) -> None:
        if not data_secret or not lookup_secret:
            raise ValueError("the access service needs its data and lookup secrets")
        if data_secret == lookup_secret:
            raise ValueError("the data and lookup secrets must differ")
        self._keys = {}
        for secret in (data_secret, *old):
            key = _derive(secret, _DATA_INFO)
            self._keys[hashlib.sha256(key).digest()[:4]] = AESGCM(key)
        self._current = next(iter(self._keys))
        self._lookup = _derive(lookup_secret, _LOOKUP_INFO)

    def seal(self, value: str, *, row: uuid.UUID, field: str) -> bytes:
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, value.encode(), f"{row}:{field}".encode())
        return bytes([FORMAT]) + self._current + nonce + sealed

    def open(self, stored: bytes, *, row: uuid.UUID, field: str) -> str:
        if len(stored) < 1 + 4 + 12 + 16 or stored[0] != FORMAT:
            raise PersonalDataError(f"{field} of {row} is not a stored value of this format")
        cipher = self._keys.get(stored[1:5])
        if cipher is None:
            raise PersonalDataError(f"{field} of {row}: no configured key wrote it")
        try:
            return cipher.decrypt(stored[5:17], stored[17:], f"{row}:{field}".encode()).decode()
        except InvalidTag as exc:
            raise PersonalDataError(f"{field} of {row} does not decrypt") from exc

    def lookup(self, id_type: str, id_number: str) -> str:
        """The keyed hash one person's document is found by (the same for the same document)."""
        message = f"{id_type}:{normal_id(id_number)}".encode()
        return hmac.new(self._lookup, message, hashlib.sha256).hexdigest()


def normal_id(value: str) -> str:
    """An ID number as compared: full-width characters made plain, no spaces, upper case."""
    return re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value)).upper()


def resident_id_valid(value: str) -> bool:
    """A resident identity card number with the right check character (GB 11643)."""
    if not RESIDENT_ID.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == value[17]


def mask_id(value: str) -> str:
    """`340104199001011234` -> `3401**********1234`: the region and the last four only."""
    if len(value) >= 10:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    return value[:1] + "*" * max(len(value) - 2, 1) + value[-1:]


def mask_phone(value: str) -> str:
    """`13812345678` -> `138****5678`."""
    digits = value.strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_name(value: str) -> str:
    """`王小明` -> `王**`; `Li Wei` -> `L*****`: the first character only."""
    value = value.strip()
    return value[:1] + "*" * max(len(value) - 1, 1)
