"""The audit log: every state-changing call through the gateway, queryable by admins.

Who (the verified caller), what (method, path, answer status), when, from where (IP, user
agent) and the request id that ties it to the logs. Bodies are not kept (they hold personal
data); a login attempt keeps the name it tried.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zg_common.db import unit_of_work
from zg_common.identity import ANONYMOUS, Identity
from zg_common.open311 import is_open311
from zg_gateway.models import AuditEntry

log = logging.getLogger(__name__)

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUDIT_FAILURES = Counter("zg_audit_write_failures_total", "Audit entries that could not be written")


class AuditMiddleware:
    """Writes one entry per state-changing /api/v1 or Open311 call once its answer is known."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") not in STATE_CHANGING
            or not (
                scope.get("path", "").startswith("/api/v1/") or is_open311(scope.get("path", ""))
            )
        ):
            await self.app(scope, receive, send)
            return
        status, request_id = 500, ""

        async def send_status(message: Message) -> None:
            nonlocal status, request_id
            if message["type"] == "http.response.start":
                status = message["status"]
                # set by the request-id middleware, which runs inside this one
                request_id = dict(message.get("headers", [])).get(b"x-request-id", b"").decode()
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            await self._record(scope, status, request_id)

    async def _record(self, scope: Scope, status: int, request_id: str) -> None:
        state = scope.get("state", {})
        identity: Identity = state.get("identity", ANONYMOUS)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = scope.get("client")
        runtime = getattr(scope["app"].state, "runtime", None)
        if runtime is None:
            return
        runtime.audit.record(
            {
                "sub": identity.sub,
                "role": identity.role,
                "method": scope["method"],
                "path": scope["path"][:500],
                "status": status,
                "ip": (client[0] if client else "unknown")[:60],
                "user_agent": headers.get("user-agent", "")[:300],
                "request_id": request_id[:128],
                "detail": state.get("audit_detail", {}),
            }
        )


class AuditWriter:
    """Writes audit entries in batches from a queue, off the request path: one INSERT of up to
    `batch` rows per round trip instead of a transaction per call. Entries still queued are
    written at shutdown; a hard crash loses at most the last fraction of a second (`linger_s`
    and the write)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        batch: int = 500,
        max_queue: int = 50_000,
        linger_s: float = 0.1,
    ) -> None:
        self.sessions = sessions
        self.batch = batch
        self.linger_s = linger_s
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=max_queue)

    def record(self, entry: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(entry)
        except asyncio.QueueFull:
            AUDIT_FAILURES.inc()
            log.error("audit queue full; entry dropped", extra={"path": entry["path"]})

    async def run(self) -> None:
        while True:
            entries = [await self.queue.get()]
            try:
                # the calls that follow closely join this one's INSERT: under load a write per
                # tenth of a second, not one per call
                await asyncio.sleep(self.linger_s)
                while len(entries) < self.batch and not self.queue.empty():
                    entries.append(self.queue.get_nowait())
                await self._write(entries)
            except asyncio.CancelledError:
                for entry in entries:  # back in the queue for flush() at shutdown
                    self.queue.put_nowait(entry)
                raise

    async def flush(self) -> None:
        entries = []
        while not self.queue.empty():
            entries.append(self.queue.get_nowait())
        if entries:
            await self._write(entries)

    async def _write(self, entries: list[dict[str, Any]]) -> None:
        for attempt in range(3):
            try:
                async with unit_of_work(self.sessions) as session:
                    await session.execute(insert(AuditEntry), entries)
                return
            except Exception:
                log.warning("audit write failed; retrying", exc_info=True)
                await asyncio.sleep(0.5 * (attempt + 1))
        AUDIT_FAILURES.inc(len(entries))
        log.error("audit entries not written", extra={"entries": len(entries)})


async def list_entries(
    session: AsyncSession,
    *,
    since: datetime | None,
    until: datetime | None,
    sub: str | None,
    before_id: int | None,
    limit: int,
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    conditions: list[Any] = []
    if since:
        conditions.append(AuditEntry.at >= since)
    if until:
        conditions.append(AuditEntry.at <= until)
    if sub:
        conditions.append(AuditEntry.sub == sub)
    if before_id:
        conditions.append(AuditEntry.id < before_id)
    return list(await session.scalars(query.where(*conditions)))
