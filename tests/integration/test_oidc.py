"""A city identity provider's tokens, checked against its JWKS served over real HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from tests.integration.test_gateway import gateway, serve

pytestmark = pytest.mark.integration

ISSUER = "https://id.city.example/realms/hefei"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks_app(key: rsa.RSAPrivateKey) -> FastAPI:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    app = FastAPI()

    @app.get("/certs")
    async def certs() -> dict[str, Any]:
        return {"keys": [jwk | {"kid": "k1", "use": "sig", "alg": "RS256"}]}

    return app


def token(key: rsa.RSAPrivateKey, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "zongguan-api",
        "sub": "u-42",
        "iat": now,
        "exp": now + 300,
        "name": "Officer from the city IdP",
        "zg_role": "officer",
        "zg_grid_ids": ["G03"],
    }
    return jwt.encode(claims | overrides, key, algorithm="RS256", headers={"kid": "k1"})


async def test_provider_tokens_become_identities(database_url: str) -> None:
    key = rsa_key()
    async with (
        serve(jwks_app(key)) as idp,
        gateway({}, database_url, oidc_issuer=ISSUER, oidc_jwks_url=f"{idp}/certs") as gw,
    ):
        me = await gw.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token(key)}"})
        assert me.status_code == 200, me.text
        assert me.json() | {"sub": "-"} == {
            "sub": "-",
            "role": "officer",
            "grid_ids": ["G03"],
            "department_ids": [],
            "compound_ids": [],
            "name": "Officer from the city IdP",
        }
        assert me.json()["sub"] == "oidc:u-42"
        # property staff's compounds come from their claim (smart access)
        staff = token(key, zg_role="property_staff", zg_compound_ids=["CP001"])
        me = await gw.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {staff}"})
        assert me.status_code == 200, me.text
        assert (me.json()["role"], me.json()["compound_ids"]) == ("property_staff", ["CP001"])

        cases: list[tuple[str, str]] = [
            (token(rsa_key()), "token_invalid"),  # signed by someone else under the same kid
            (token(key, exp=int(time.time()) - 10), "token_expired"),
            (token(key, aud="another-api"), "token_invalid"),
            (token(key, zg_role="emperor"), "token_invalid"),
        ]
        for bad, code in cases:
            response = await gw.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {bad}"})
            assert (response.status_code, response.json()["code"]) == (401, code)


async def test_without_oidc_settings_provider_tokens_are_refused(database_url: str) -> None:
    async with gateway({}, database_url) as gw:
        response = await gw.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {token(rsa_key())}"}
        )
        assert (response.status_code, response.json()["code"]) == (401, "token_invalid")
        assert isinstance(response, httpx.Response)
