"""ASGI middleware every app shares: request/correlation ids, access log, metrics, body limit."""

from __future__ import annotations

import logging
import re
import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zg_common.errors import InternalError, PayloadTooLarge, problem_response
from zg_common.logging import correlation_id_var, new_id, request_id_var

HEADER_REQUEST_ID = "x-request-id"
HEADER_CORRELATION_ID = "x-correlation-id"
DRAIN_LIMIT = 16 * 1024 * 1024
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_log = logging.getLogger("zg.access")

HTTP_REQUESTS = Counter(
    "zg_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "zg_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None


class RequestContextMiddleware:
    """Binds request and correlation ids (taken from headers or made), echoes them in the
    response, writes one access-log line and the request metrics."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id") or new_id()
        correlation_id = _header(scope, b"x-correlation-id") or request_id
        req_token = request_id_var.set(request_id)
        corr_token = correlation_id_var.set(correlation_id)
        started = time.perf_counter()
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k not in (b"x-request-id", b"x-correlation-id")
                ]
                headers += [
                    (b"x-request-id", request_id.encode()),
                    (b"x-correlation-id", correlation_id.encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        started_response = False

        async def send_tracking(message: Message) -> None:
            nonlocal started_response
            started_response = started_response or message["type"] == "http.response.start"
            await send_with_ids(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            # Last resort, inside the ids' scope: a bug still answers problem+json with the
            # request id, and is logged with its traceback so that it gets fixed.
            access_log.exception("unhandled error", exc_info=exc)
            if started_response:
                raise
            await problem_response(
                InternalError("An unexpected error occurred"), instance=scope.get("path")
            )(scope, receive, send_with_ids)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, route).observe(elapsed)
            if route not in ("/healthz", "/metrics"):
                access_log.info(
                    "%s %s %s",
                    method,
                    scope.get("path", ""),
                    status,
                    extra={"status": status, "duration_ms": round(elapsed * 1000, 1)},
                )
            request_id_var.reset(req_token)
            correlation_id_var.reset(corr_token)


# Paths that take file uploads, with their own (larger) body limit, in the gateway and services.
UPLOAD_PATHS = frozenset({"/api/v1/media", "/api/v1/cameras/import"})


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes` (`upload_max_bytes` on UPLOAD_PATHS) with 413
    problem+json, by header and while streaming."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, upload_max_bytes: int | None = None
    ) -> None:
        self.app = app
        self.default_max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = (
            self.upload_max_bytes if scope.get("path") in UPLOAD_PATHS else self.default_max_bytes
        )
        declared = None
        for key, value in scope.get("headers", ()):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        if declared is not None and declared > max_bytes:
            if declared <= DRAIN_LIMIT:
                # a client still sending would see a reset instead of the 413: read it away
                await self._drain(receive, {"more_body": True})
            await self._refuse(scope, receive, send, max_bytes)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    await self._drain(receive, message)
                    raise PayloadTooLarge(self._detail(max_bytes))
            return message

        await self.app(scope, counting_receive, send)

    async def _drain(self, receive: Receive, message: Message) -> None:
        """Read and drop the rest of a body (bounded by DRAIN_LIMIT), so that the client, still
        sending, gets the 413 instead of a reset connection."""
        drained = 0
        while message.get("more_body", False) and drained < DRAIN_LIMIT:
            message = await receive()
            if message["type"] != "http.request":
                return
            drained += len(message.get("body", b""))

    @staticmethod
    def _detail(max_bytes: int) -> str:
        return f"The request body is larger than {max_bytes} bytes"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        response = problem_response(
            PayloadTooLarge(self._detail(max_bytes)), instance=scope.get("path")
        )
        response.headers["connection"] = "close"
        await response(scope, receive, send)


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
]


class SecurityHeadersMiddleware:
    """The response headers every answer carries (browsers reach the API through the app)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if scope.get("path", "").startswith("/api/v1/auth"):
                    extra.append((b"cache-control", b"no-store"))  # tokens are never cached
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
