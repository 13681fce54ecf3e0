"""The gateway checks a token's signature once and keeps the result until the token expires
(`KeptTokens`, for its own tokens and an OIDC provider's); expiry and revocation are still
judged on every call."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest

from zg_common.errors import Unauthorized
from zg_common.identity import Identity
from zg_gateway.oidc import OidcVerifier
from zg_gateway.tokens import AccessTokens, KeptTokens

RESIDENT = Identity(sub="r-1", role="resident", name="Resident")


def make(ttl_s: int = 600) -> AccessTokens:
    return AccessTokens("s" * 40, issuer="zongguan", ttl_s=ttl_s)


def test_a_token_is_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    access = make()
    token = access.issue(RESIDENT, family_id=uuid.uuid4())
    calls: list[str] = []
    real = jwt.decode

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    assert access.verify(token) == RESIDENT
    assert access.verify(token) == RESIDENT
    assert len(calls) == 1


def test_a_kept_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    access = make(ttl_s=60)
    token = access.issue(RESIDENT, family_id=uuid.uuid4())
    assert access.verify(token) == RESIDENT
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Unauthorized) as caught:
        access.verify(token)
    assert caught.value.instance_code == "token_expired"


def test_a_kept_token_is_still_revoked() -> None:
    access = make()
    family = uuid.uuid4()
    token = access.issue(RESIDENT, family_id=family)
    assert access.verify(token) == RESIDENT
    access.revocations.families = frozenset({str(family)})
    with pytest.raises(Unauthorized) as caught:
        access.verify(token)
    assert caught.value.instance_code == "token_revoked"


def test_a_forged_token_is_never_kept() -> None:
    access = make()
    token = access.issue(RESIDENT, family_id=uuid.uuid4())
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for _ in range(2):
        with pytest.raises(Unauthorized) as caught:
            access.verify(forged)
        assert caught.value.instance_code == "token_invalid"
    assert access.verify(token) == RESIDENT


def test_the_kept_tokens_are_bounded_and_the_least_used_go_first() -> None:
    kept = KeptTokens(size=2)
    far = time.time() + 600
    kept.keep("a", RESIDENT, far)
    kept.keep("b", RESIDENT, far)
    assert kept.get("a") == (RESIDENT, None)  # "a" used: "b" is now the least recently used
    kept.keep("c", RESIDENT, far)
    assert len(kept) == 2
    assert kept.get("b") is None and kept.get("a") is not None and kept.get("c") is not None


async def test_a_providers_token_is_checked_once() -> None:
    verifier = OidcVerifier(
        issuer="https://id.city.example",
        jwks_url="http://127.0.0.1:1/certs",  # never fetched: the check is replaced below
        audience="zongguan-api",
        role_claim="zg_role",
        department_claim="zg_department_ids",
        grid_claim="zg_grid_ids",
    )
    checks: list[str] = []

    async def check(token: str) -> tuple[Identity, float]:
        checks.append(token)
        return RESIDENT, time.time() + 300

    verifier._check = check  # type: ignore[method-assign]
    assert await verifier.verify("t") == RESIDENT
    assert await verifier.verify("t") == RESIDENT
    assert checks == ["t"]
