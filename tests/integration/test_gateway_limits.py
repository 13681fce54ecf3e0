"""Limits that hold with several gateways, logins that strangers cannot lock, the client's
address behind trusted proxies — against the real database, two gateway apps side by side.

Callers here are ASGI clients with a chosen peer address (documentation ranges, RFC 5737):
nothing is sent over any network."""

from __future__ import annotations

import contextlib
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.helpers import eventually
from tests.integration.test_gateway import caller, gateway_app
from zg_gateway.accounts import create_account

pytestmark = pytest.mark.integration

STRANGER = "203.0.113.66"
OWNER = "198.51.100.7"


async def an_account(engine: AsyncEngine) -> tuple[str, str]:
    """A fresh account (username, password) in the gateway schema."""
    username, password = f"leader-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(16)
    async with async_sessionmaker(engine).begin() as session:
        await create_account(
            session,
            username=username,
            password=password,
            role="shift_leader",
            name="test",
            department_ids=[],
            grid_ids=[],
        )
    return username, password


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )


@contextlib.asynccontextmanager
async def one_gateway(database_url: str, **settings: Any) -> AsyncIterator[FastAPI]:
    async with gateway_app({}, database_url, **{"rate_limit_sync_s": 0.1, **settings}) as app:
        yield app


async def test_two_gateways_share_one_limit(database_url: str) -> None:
    """Each gateway alone would let 6 a minute through from the address; together they let
    6 through once they have shared their counts (before, each kept its own: 12)."""
    address = f"192.0.2.{secrets.randbelow(200) + 1}"
    # the test syncs by hand, so that what each gateway knows is known here
    settings = {"rate_limit_ip_per_minute": 6, "rate_limit_burst": 100, "rate_limit_sync_s": 60}
    async with (
        one_gateway(database_url, **settings) as a,
        one_gateway(database_url, **settings) as b,
        caller(a, address) as via_a,
        caller(b, address) as via_b,
    ):
        # four each (eight: at least six inside the sliding minute, whenever it turns)
        for client in (via_a, via_b) * 4:
            assert (await client.get("/api/v1/categories/x")).status_code == 503  # no intake
        for app in (a, b, a):  # a shares 4, b shares 4 and learns 8, a learns 8
            runtime = app.state.runtime
            await runtime.limiter.sync(runtime.sessions, wall=time.time())
        for client in (via_a, via_b):
            answer = await client.get("/api/v1/categories/x")
            assert answer.status_code == 429 and answer.json()["code"] == "rate_limited"
            assert int(answer.headers["retry-after"]) >= 1
        # another address is not touched
        async with caller(b) as other:
            assert (await other.get("/api/v1/categories/x")).status_code == 503


async def test_a_stranger_guessing_a_password_locks_out_only_the_stranger(
    database_url: str, engine: AsyncEngine
) -> None:
    username, password = await an_account(engine)
    async with (
        one_gateway(database_url, login_free_failures=3, rate_limit_login_ip_per_minute=100) as app,
        caller(app, STRANGER) as stranger,
        caller(app, OWNER) as owner,
    ):
        for _ in range(3):
            assert (await log_in(stranger, username, "guess")).status_code == 401
        held = await log_in(stranger, username, "guess")
        assert held.status_code == 429 and held.json()["code"] == "login_backoff"
        assert int(held.headers["retry-after"]) >= 1
        # even the right password waits from there: the wait is not an oracle
        assert (await log_in(stranger, username, password)).status_code == 429
        # the owner, from their own address, is not held at all
        assert (await log_in(owner, username, password)).status_code == 200
        # and a username the stranger has not tried is open to the stranger too
        other, other_password = await an_account(engine)
        assert (await log_in(stranger, other, other_password)).status_code == 200


async def test_guessing_from_many_addresses_slows_new_addresses_not_the_owner(
    database_url: str, engine: AsyncEngine
) -> None:
    username, password = await an_account(engine)
    async with one_gateway(database_url, login_free_failures=5, login_attack_failures=6) as app:
        async with caller(app, OWNER) as owner:
            assert (await log_in(owner, username, password)).status_code == 200  # known now
        for n in range(6):  # one guess each from six addresses: an attack on the username
            async with caller(app, f"203.0.113.{100 + n}") as guesser:
                assert (await log_in(guesser, username, "guess")).status_code == 401
        async with caller(app, OWNER) as owner:
            assert (await log_in(owner, username, password)).status_code == 200
        # a new address gets one try: the right password gets in ...
        async with caller(app, "203.0.113.200") as new:
            assert (await log_in(new, username, password)).status_code == 200
        # ... a wrong one waits a minute before the next
        async with caller(app, "203.0.113.201") as new:
            assert (await log_in(new, username, "guess")).status_code == 401
            again = await log_in(new, username, "guess")
            assert again.status_code == 429 and again.json()["code"] == "login_backoff"
            assert 1 <= int(again.headers["retry-after"]) <= 60


def failures_counted() -> float:
    return sum(
        s.value
        for metric in REGISTRY.collect()
        if metric.name == "zg_gateway_auth_failures"
        for s in metric.samples
        if s.name.endswith("_total")
    )


async def test_failed_authentications_are_counted_and_an_address_sending_them_is_refused(
    database_url: str,
) -> None:
    before = failures_counted()
    async with (
        one_gateway(database_url, rate_limit_auth_failures_per_minute=4) as app,
        caller(app, STRANGER) as stranger,
        caller(app, OWNER) as other,
    ):
        forged = {"Authorization": "Bearer not-a-token"}
        codes = []
        for _ in range(8):  # a minute turning over in between may let one or two more by
            codes.append((await stranger.get("/api/v1/auth/me", headers=forged)).status_code)
            if codes[-1] == 429:
                break
        assert codes[:4] == [401] * 4 and codes[-1] == 429 and len(codes) <= 7, codes
        refused = await stranger.get("/api/v1/auth/me", headers={"X-API-Key": "zgk_guess"})
        assert refused.status_code == 429 and refused.json()["code"] == "auth_failures"
        assert (await stranger.get("/api/v1/auth/me")).status_code == 429  # for the minute
        assert (await other.get("/api/v1/auth/me")).status_code == 200  # anonymous, elsewhere
    assert failures_counted() - before == codes.count(401)


async def test_the_client_address_comes_from_trusted_proxies_only(
    database_url: str, engine: AsyncEngine
) -> None:
    proxy, client, spoofed = "192.0.2.10", "203.0.113.5", "203.0.113.99"
    marker = uuid.uuid4().hex
    async with (
        one_gateway(database_url, trusted_proxies=["192.0.2.0/28"]) as app,
        caller(app, proxy) as via_proxy,
        caller(app, OWNER) as direct,
    ):
        # the balancer appends the address it saw; anything before it is the client's to say
        trusted = await via_proxy.post(
            "/api/v1/auth/login",
            json={"username": f"{marker}-a", "password": "x"},
            headers={"X-Forwarded-For": f"{spoofed}, {client}"},
        )
        untrusted = await direct.post(
            "/api/v1/auth/login",
            json={"username": f"{marker}-b", "password": "x"},
            headers={"X-Forwarded-For": spoofed},
        )
        assert trusted.status_code == untrusted.status_code == 401
        wanted = {trusted.headers["x-request-id"]: client, untrusted.headers["x-request-id"]: OWNER}

        async def audited() -> dict[str, str] | None:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text(
                        "SELECT request_id, ip FROM gateway.audit_entry "
                        "WHERE request_id = ANY(:ids)"
                    ),
                    {"ids": list(wanted)},
                )
                seen = {r.request_id: r.ip for r in rows}
            return seen if len(seen) == len(wanted) else None

        assert await eventually(audited, timeout=10, what="the audit entries") == wanted
        # and the failures are counted against the client, not the balancer nor the spoof
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT username, ip FROM gateway.login_attempt WHERE username LIKE :m"),
                {"m": f"{marker}%"},
            )
            assert sorted((r.username, r.ip) for r in rows) == [
                (f"{marker}-a", client),
                (f"{marker}-b", OWNER),
            ]
