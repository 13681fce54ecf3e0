"""Accounts and tokens at the gateway: login, bearer identity, refresh rotation and reuse,
logout, expiry; against the real database, with an upstream that shows what it receives."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.helpers import eventually
from tests.integration.test_gateway import JWT_SECRET, gateway, serve
from zg_common.identity import Identity, IdentitySigner, IdentityVerifier
from zg_gateway.tokens import AccessTokens

pytestmark = pytest.mark.integration


def received(header: str) -> Identity:
    """The identity the echo service (patrol, here) received, as patrol would verify it."""
    verifier = IdentityVerifier([IdentitySigner("test-secret").public_key], audience="patrol")
    return verifier.verify(header, method="GET", path="/api/v1/grids")


def echo_service() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/grids")
    async def echo(request: Request) -> dict[str, str]:
        return {
            "identity": request.headers.get("x-zg-identity", ""),
            "authorization": request.headers.get("authorization", ""),
        }

    return app


@pytest.fixture(scope="module")
async def auth(
    engine: AsyncEngine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    async with engine.begin() as conn:  # a fresh gateway schema: the demo accounts get created
        await conn.execute(text("DROP SCHEMA IF EXISTS gateway CASCADE"))
    credentials = tmp_path_factory.mktemp("gw") / "demo-credentials.json"
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(serve(echo_service()))
        client = await stack.enter_async_context(
            gateway(
                {"patrol": url},
                database_url,
                demo_credentials_file=credentials,
                environment="development",
                revocation_poll_s=0.2,
                rate_limit_login_ip_per_minute=1000,  # every login here is from one address
            )
        )
        accounts = json.loads(credentials.read_text())["accounts"]
        assert oct(credentials.stat().st_mode & 0o777) == "0o600"
        yield client, {a["username"]: a["password"] for a in accounts}


async def login(client: httpx.AsyncClient, username: str, password: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def problem_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return str(response.json()["code"])


async def test_login_gives_a_bearer_identity_the_services_receive_signed(
    auth: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, passwords = auth
    tokens = await login(client, "shift-leader", passwords["shift-leader"])
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 600
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = (await client.get("/api/v1/auth/me", headers=bearer)).json()
    assert me["role"] == "shift_leader"
    echoed = (await client.get("/api/v1/grids", headers=bearer)).json()
    assert echoed["authorization"] == "", "credentials stay at the gateway"
    identity = received(echoed["identity"])
    assert identity.role == "shift_leader" and identity.sub == me["sub"]
    anonymous = (await client.get("/api/v1/grids")).json()
    assert received(anonymous["identity"]).role == "anonymous"


@pytest.mark.parametrize(
    ("username", "password"), [("manager", "wrong"), ("nobody", "x"), ("admin", "")]
)
async def test_wrong_credentials_are_one_answer(
    auth: tuple[httpx.AsyncClient, dict[str, str]], username: str, password: str
) -> None:
    client, _ = auth
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    expected = 422 if not password else 401
    code = problem_code(response, expected)
    assert code == ("validation_failed" if not password else "login_failed")


async def test_refresh_rotates_and_reuse_revokes_the_family(
    auth: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, passwords = auth
    first = await login(client, "dispatcher", passwords["dispatcher"])
    second = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    reused = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert problem_code(reused, 401) == "refresh_token_reused"
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert problem_code(after, 401) == "refresh_token_invalid", "the whole family is revoked"
    other = await login(client, "dispatcher", passwords["dispatcher"])
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    ).status_code == 200, "another login of the same account is not affected"


async def test_logout_ends_the_login(auth: tuple[httpx.AsyncClient, dict[str, str]]) -> None:
    client, passwords = auth
    tokens = await login(client, "manager", passwords["manager"])
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert problem_code(again, 401) == "refresh_token_invalid"
    await refused_soon(client, tokens["access_token"])


async def refused_soon(client: httpx.AsyncClient, access_token: str) -> None:
    """The access token stops working within the gateway's revocation poll (0.2 s here),
    though it has minutes to live."""
    bearer = {"Authorization": f"Bearer {access_token}"}

    async def refused() -> str | None:
        me = await client.get("/api/v1/auth/me", headers=bearer)
        return problem_code(me, 401) if me.status_code == 401 else None

    assert await eventually(refused, timeout=5, what="the token to be refused") == "token_revoked"


async def test_expired_forged_and_malformed_tokens_are_401(
    auth: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, _ = auth
    who = Identity(sub=str(uuid.uuid4()), role="admin")
    expired = AccessTokens(JWT_SECRET, issuer="zongguan", ttl_s=60).issue(
        who, family_id=uuid.uuid4(), now=time.time() - 3600
    )
    forged = AccessTokens(
        "not-the-secret-but-long-enough-0123456789", issuer="zongguan", ttl_s=60
    ).issue(who, family_id=uuid.uuid4())
    cases = [
        ({"Authorization": f"Bearer {expired}"}, "token_expired"),
        ({"Authorization": f"Bearer {forged}"}, "token_invalid"),
        ({"Authorization": "Bearer not.a.jwt"}, "token_invalid"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "token_invalid"),
    ]
    for headers, code in cases:
        response = await client.get("/api/v1/grids", headers=headers)
        assert problem_code(response, 401) == code
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_credentials_file_is_not_in_the_repository() -> None:
    assert not Path("deploy/data/demo-credentials.json").exists()


async def bearer(
    client: httpx.AsyncClient, passwords: dict[str, str], username: str
) -> dict[str, str]:
    tokens = await login(client, username, passwords[username])
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_partner_keys_are_created_used_rotated_and_revoked_by_admins(
    auth: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, passwords = auth
    admin = await bearer(client, passwords, "admin")
    spec = {
        "name": "roads partner",
        "department_ids": ["roads-contractor"],
        "operations": ["cases.read"],
    }
    assert (
        problem_code(await client.post("/api/v1/admin/api-keys", json=spec), 401)
        == "authentication_required"
    )
    manager = await bearer(client, passwords, "manager")
    assert problem_code(
        await client.post("/api/v1/admin/api-keys", json=spec, headers=manager), 403
    ) == ("operation_forbidden")
    bad = {**spec, "operations": ["api_keys.manage"]}
    assert problem_code(
        await client.post("/api/v1/admin/api-keys", json=bad, headers=admin), 422
    ) == ("validation_failed")

    created = await client.post("/api/v1/admin/api-keys", json=spec, headers=admin)
    assert created.status_code == 201
    key, key_id = created.json()["key"], created.json()["id"]
    assert key.startswith("zgk_")
    listed = (await client.get("/api/v1/admin/api-keys", headers=admin)).json()
    assert key_id in {k["id"] for k in listed} and all("key" not in k for k in listed)

    echoed = (await client.get("/api/v1/grids", headers={"X-API-Key": key})).json()
    identity = received(echoed["identity"])
    assert identity.role == "partner" and identity.department_ids == ("roads-contractor",)
    assert identity.operations == ("cases.read",)
    # a key in the URL only where Open311's spec puts it
    in_url = await client.get("/api/v1/grids", params={"api_key": key})
    assert problem_code(in_url, 400) == "api_key_in_query"

    rotated = await client.post(f"/api/v1/admin/api-keys/{key_id}/rotate", headers=admin)
    assert rotated.status_code == 201 and rotated.json()["rotated_from"] == key_id
    old = await client.get("/api/v1/grids", headers={"X-API-Key": key})
    assert problem_code(old, 401) == "api_key_invalid"
    new_key, new_id = rotated.json()["key"], rotated.json()["id"]
    assert (await client.get("/api/v1/grids", headers={"X-API-Key": new_key})).status_code == 200

    assert (
        await client.delete(f"/api/v1/admin/api-keys/{new_id}", headers=admin)
    ).status_code == 204
    revoked = await client.get("/api/v1/grids", headers={"X-API-Key": new_key})
    assert problem_code(revoked, 401) == "api_key_invalid"
    again = await client.delete(f"/api/v1/admin/api-keys/{new_id}", headers=admin)
    assert problem_code(again, 404) == "api_key_not_found"


async def test_state_changing_calls_are_audited_for_admins(
    auth: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, passwords = auth
    failed = await client.post(
        "/api/v1/auth/login",
        json={"username": "admin", "password": "nope"},
        headers={"User-Agent": "guesser/1.0"},
    )
    assert failed.status_code == 401
    admin = await bearer(client, passwords, "admin")
    created = await client.post(
        "/api/v1/admin/api-keys",
        headers=admin,
        json={"name": "audited", "department_ids": ["transport"], "operations": ["cases.create"]},
    )
    assert created.status_code == 201
    wanted = {failed.headers["x-request-id"], created.headers["x-request-id"]}

    async def written() -> list[dict[str, Any]] | None:  # the audit writer works in batches
        page = await client.get("/api/v1/admin/audit", headers=admin, params={"limit": 50})
        entries: list[dict[str, Any]] = page.json()["entries"]
        return entries if wanted <= {e["request_id"] for e in entries} else None

    entries = await eventually(written, timeout=10, what="the audit entries")
    guess = next(e for e in entries if e["request_id"] == failed.headers["x-request-id"])
    assert (guess["method"], guess["path"], guess["status"]) == ("POST", "/api/v1/auth/login", 401)
    assert guess["detail"] == {"username": "admin"} and guess["user_agent"] == "guesser/1.0"
    assert "nope" not in json.dumps(entries), "passwords are never kept"
    creation = next(e for e in entries if e["request_id"] == created.headers["x-request-id"])
    assert (creation["role"], creation["status"], creation["path"]) == (
        "admin",
        201,
        "/api/v1/admin/api-keys",
    )
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    manager = await bearer(client, passwords, "manager")
    refused = await client.get("/api/v1/admin/audit", headers=manager)
    assert problem_code(refused, 403) == "operation_forbidden"


async def test_admins_manage_accounts_and_the_first_admin_comes_from_the_cli(
    auth: tuple[httpx.AsyncClient, dict[str, str]], database_url: str
) -> None:
    client, passwords = auth
    admin = await bearer(client, passwords, "admin")
    spec = {
        "username": "ZG042",
        "password": "a-long-enough-password",
        "role": "officer",
        "name": "Officer 42",
        "grid_ids": ["G05"],
    }
    created = await client.post("/api/v1/admin/accounts", json=spec, headers=admin)
    assert created.status_code == 201 and "password" not in created.text
    taken = await client.post("/api/v1/admin/accounts", json=spec, headers=admin)
    assert problem_code(taken, 409) == "username_taken"
    officer = await login(client, "ZG042", "a-long-enough-password")
    me = (
        await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {officer['access_token']}"}
        )
    ).json()
    assert (me["role"], me["grid_ids"]) == ("officer", ["G05"])
    manager = await bearer(client, passwords, "manager")
    assert problem_code(await client.get("/api/v1/admin/accounts", headers=manager), 403) == (
        "operation_forbidden"
    )

    disabled = await client.delete(f"/api/v1/admin/accounts/{created.json()['id']}", headers=admin)
    assert disabled.status_code == 204
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": officer["refresh_token"]}
    )
    assert problem_code(again, 401) == "refresh_token_invalid"
    await refused_soon(client, officer["access_token"])
    relogin = await client.post(
        "/api/v1/auth/login", json={"username": "ZG042", "password": "a-long-enough-password"}
    )
    assert problem_code(relogin, 401) == "login_failed"

    async def create_admin(*flags: str) -> tuple[int | None, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "zg_gateway",
            "create-admin",
            "--username",
            "first-admin",
            *flags,
            env={
                **os.environ,
                "DATABASE_URL": database_url,
                "ZG_ADMIN_PASSWORD": "another-long-password",
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        return proc.returncode, out.decode()

    code, out = await create_admin()
    assert code == 0, out
    await login(client, "first-admin", "another-long-password")
    # again: taken; unless told that an existing account is fine (compose runs it every start)
    assert (await create_admin())[0] == 1
    code, out = await create_admin("--exists-ok")
    assert code == 0 and "exists already" in out, out
