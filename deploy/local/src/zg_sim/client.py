"""The simulator's HTTP side: one client to the gateway, an account's session per actor, and
the tally of every answer (the end-to-end test holds the platform to "no 5xx")."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import random
import re
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger("zg_sim")


class RemoteRefused(ValueError):
    """The gateway is not on this machine and --allow-remote was not given."""


def check_local(url: str, *, resolve: Any = socket.getaddrinfo) -> None:
    """Refuse a gateway whose host resolves anywhere but loopback (a load source must not be
    pointed at a real deployment by accident)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = resolve(host, None)
    except OSError as exc:
        raise RemoteRefused(f"cannot resolve {host!r}: {exc}") from exc
    addresses = {info[4][0] for info in infos}
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise RemoteRefused(
            f"{host} is not this machine ({', '.join(sorted(addresses))}): "
            "pass --allow-remote to load another deployment"
        )


@dataclass
class Tally:
    by_status: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)  # 5xx: what and where
    created: list[dict[str, Any]] = field(default_factory=list)  # cases answered 201
    actions: Counter[str] = field(default_factory=Counter)
    checkins: Counter[str] = field(default_factory=Counter)
    visits: int = 0  # planned visits the officers walked to (some then missed on purpose)
    positions: int = 0
    alarms: int = 0
    seconds: dict[str, list[float]] = field(default_factory=dict)  # per operation, each answer

    def record(
        self, method: str, path: str, response: httpx.Response, *, final: bool, seconds: float
    ) -> None:
        """Every answer by status and how long it took; a 5xx the client did not get past (a
        503 that says to retry and then succeeds is not one) as a server error."""
        self.by_status[response.status_code] += 1
        self.seconds.setdefault(operation(method, path), []).append(seconds)
        if final and response.status_code >= 500:
            what = f"{method} {path} {response.status_code} {response.text[:200]}"
            self.server_errors.append(what)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": sum(self.by_status.values()),
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "server_errors": self.server_errors[:20],
            "cases_created": len(self.created),
            "actions": dict(sorted(self.actions.items())),
            "checkins": dict(sorted(self.checkins.items())),
            "visits": self.visits,
            "positions": self.positions,
            "alarms": self.alarms,
            "latency_ms": {op: percentiles(times) for op, times in sorted(self.seconds.items())},
        }


def operation(method: str, path: str) -> str:
    """`POST /api/v1/cases/{id}/actions`: the path with its ids (any segment with a digit but
    the version) replaced, query left out."""
    parts = path.split("?", 1)[0].split("/")
    return f"{method} " + "/".join(
        "{id}" if any(c.isdigit() for c in p) and not re.fullmatch(r"v\d+", p) else p for p in parts
    )


def percentiles(times: list[float]) -> dict[str, float | int]:
    ordered = sorted(times)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"n": len(ordered), "p50": at(0.5), "p95": at(0.95), "max": at(1.0)}


class Gateway:
    def __init__(self, base_url: str, tally: Tally, *, timeout: float = 30.0) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout)
        self.tally = tally

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        for attempt in range(4):
            began = time.perf_counter()
            try:
                response = await self.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                log.warning("gateway unreachable: %s %s: %r", method, path, exc)
                await asyncio.sleep(1 + attempt)
                continue
            # a rate limit, or a transaction that lost a race (503 try_again): wait as told
            retry = response.status_code in (429, 503) and "retry-after" in response.headers
            last = attempt == 3
            self.tally.record(
                method,
                path,
                response,
                final=not retry or last,
                seconds=time.perf_counter() - began,
            )
            if retry and not last:
                await asyncio.sleep(float(response.headers["retry-after"]))
                continue
            return response
        raise ConnectionError(f"{method} {path}: the gateway did not answer")


LOGIN_TRIES = 40


class Session:
    """An account's session: logs in once, refreshes its access token before it expires."""

    def __init__(self, gateway: Gateway, username: str, password: str) -> None:
        self.gateway = gateway
        self.username = username
        self.password = password
        self.token: str | None = None
        self.expires = 0.0
        self.lock = asyncio.Lock()
        self.jitter = random.Random(username)  # retries spread out, the same way each run

    async def headers(self) -> dict[str, str]:
        async with self.lock:
            if self.token is None or time.monotonic() > self.expires:
                # 130 officers log in at the start: the gateway's limits (per address, and
                # argon2's work on a busy machine) send many of them back to wait; they wait
                # as told, spread out, until they are in
                for _ in range(LOGIN_TRIES):
                    response = await self.gateway.call(
                        "POST",
                        "/api/v1/auth/login",
                        json={"username": self.username, "password": self.password},
                    )
                    if response.status_code not in (429, 503):
                        break
                    wait = float(response.headers.get("retry-after", "1"))
                    await asyncio.sleep(wait + self.jitter.uniform(0, 3))
                if response.status_code != 200:
                    raise PermissionError(f"{self.username} cannot log in: {response.text[:200]}")
                body = response.json()
                self.token = body["access_token"]
                self.expires = time.monotonic() + body["expires_in"] - 60
        return {"Authorization": f"Bearer {self.token}"}

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.gateway.call(method, path, headers=await self.headers(), **kwargs)
        if response.status_code == 401:  # revoked or expired early: log in again, once
            self.token = None
            response = await self.gateway.call(method, path, headers=await self.headers(), **kwargs)
        return response

    async def get(self, path: str, **kwargs: Any) -> Any:
        response = await self.call("GET", path, **kwargs)
        response.raise_for_status()
        return response.json()


class KeySession:
    """A partner system's key (the 12345 hotline, the video platform)."""

    def __init__(self, gateway: Gateway, key: str) -> None:
        self.gateway = gateway
        self.key = key

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.gateway.call(method, path, headers={"X-API-Key": self.key}, **kwargs)
