"""Ed25519 keys from the platform's secrets, for what one process signs and others only verify:
the gateway's identity header (`identity`) and patrol's point codes (`pointcodes`). A secret is
any string (32 random bytes or more, e.g. `openssl rand -base64 48`); the private key is derived
from it per purpose, and the public key goes to the verifiers as text (base64url, 43 chars).

    python -m zg_common.keys identity      # the public key of $ZG_IDENTITY_SECRET, as a list
    python -m zg_common.keys point-codes   # the public key of $ZG_PATROL_QR_SECRET, as a list
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PURPOSES = {
    "identity": (b"zongguan identity v2\x00", "ZG_IDENTITY_SECRET"),
    "point-codes": (b"zongguan patrol point codes v2\x00", "ZG_PATROL_QR_SECRET"),
}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def private_key(secret: str, purpose: str) -> Ed25519PrivateKey:
    label, _ = PURPOSES[purpose]
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label + secret.encode()).digest())


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return b64(public.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key(text: str) -> Ed25519PublicKey:
    raw = unb64(text.strip())
    if len(raw) != 32:
        raise ValueError(f"not an Ed25519 public key (32 bytes, base64url): {text!r}")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id(public: str) -> str:
    return b64(hashlib.sha256(public.strip().encode()).digest())[:8]


def verifies(keys: Iterable[Ed25519PublicKey], signature: bytes, body: bytes) -> bool:
    """Whether any of the keys made the signature (a list: the key in use and those retired
    but still trusted)."""
    for key in keys:
        try:
            key.verify(signature, body)
            return True
        except InvalidSignature:
            continue
    return False


def main(argv: list[str]) -> int:
    purpose = argv[1] if len(argv) == 2 else ""
    if purpose not in PURPOSES or not os.environ.get(PURPOSES[purpose][1]):
        names = " | ".join(PURPOSES)
        print(f"usage: <the secret's variable>=... python -m zg_common.keys {names}")
        return 2
    secret = os.environ[PURPOSES[purpose][1]]
    print(json.dumps([public_text(private_key(secret, purpose))]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
