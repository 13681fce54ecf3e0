"""Forwarding a request to its service: pooled keep-alive connections, a deadline, ids passed on.

A service that refuses connections answers 503, one that does not answer in time 504; both as
problem+json, both within the configured timeout, never a hang.

The hop uses aiohttp's client: on this hot path httpx's connection pool costs far more CPU under
concurrency (encode/httpx#3215; our measurement is in docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode

import aiohttp
from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from multidict import CIMultiDict
from starlette.background import BackgroundTask

from zg_common.authz import check, route_operations
from zg_common.errors import (
    BadRequest,
    GatewayTimeout,
    NotFound,
    RateLimited,
    ServiceUnavailable,
)
from zg_common.http import UPLOAD_PATHS
from zg_common.identity import IDENTITY_HEADER, Identity, IdentitySigner
from zg_common.logging import correlation_id_var, request_id_var
from zg_common.open311 import is_open311
from zg_gateway.routes import owner_of

log = logging.getLogger(__name__)

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# ids are set again by the gateway's own middleware; date and server are the gateway's
RESPONSE_DROP = HOP_BY_HOP | {
    "content-encoding",
    "x-request-id",
    "x-correlation-id",
    "date",
    "server",
}

# Answers larger than this (or of unknown length: photos, videos) pass through as a stream, so
# the gateway never holds a video in memory; uploads to UPLOAD_PATHS stream the same way.
STREAM_ABOVE_BYTES = 256 * 1024
CHUNK = 64 * 1024
MEDIA_PREFIX = "/api/v1/media"


FORM = "application/x-www-form-urlencoded"


def has_dot_segments(raw_path: bytes) -> bool:
    """Whether a request path holds a `.` or `..` segment as sent or once decoded (`%2e%2e`,
    `%2f`, `%5c`, twice-encoded): such a path is resolved by the next hop into another
    resource than the one the route table matched (`/api/v1/cases/../../../metrics`)."""
    text = raw_path.decode("latin-1")
    for _ in range(3):
        segments = text.replace("\\", "/").split("/")
        if any(segment in (".", "..") for segment in segments):
            return True
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return True  # encoded three times over: nobody's real path


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM


async def form_api_key(request: Request) -> str | None:
    """Open311 clients (FixMyStreet among them) send `api_key` as a field of the form they
    POST; read it there, on Open311 paths only."""
    if request.method != "POST" or not is_open311(request.url.path) or not _is_form(request):
        return None
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    values = fields.get("api_key")
    return values[0] if values and values[0] else None


async def _body_without_api_key(request: Request) -> bytes:
    """The form as the client sent it, less its `api_key`: credentials stay at the gateway."""
    raw = await request.body()
    if not (is_open311(request.url.path) and _is_form(request)):
        return raw
    pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if k != "api_key"]).encode()


@dataclass(frozen=True)
class UploadLimits:
    """Uploads at once per caller and per service (well below the service's connections), and
    how long one may take in all."""

    per_caller: int = 2
    slots_per_service: int = 16
    deadline_s: float = 600.0


class Upstreams:
    """One pooled HTTP client for every service behind the gateway."""

    def __init__(
        self,
        service_urls: dict[str, str],
        *,
        identity_secret: str,
        connect_timeout: float,
        timeout: float,
        max_connections: int,
        uploads: UploadLimits | None = None,
    ) -> None:
        self.service_urls = service_urls
        self.uploads = uploads or UploadLimits()
        self._uploads_of: Counter[str] = Counter()  # running uploads per caller
        self._uploads_to: Counter[str] = Counter()  # and per service
        self.signer = IdentitySigner(identity_secret)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:  # created inside the running loop, at first use
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self.max_connections * len(self.service_urls),
                    limit_per_host=self.max_connections,
                    keepalive_timeout=30.0,  # below the services' keep-alive timeout (75 s)
                ),
                timeout=aiohttp.ClientTimeout(
                    total=self.timeout, sock_connect=self.connect_timeout
                ),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(self, service: str, path: str, *, timeout: float) -> tuple[int, Any]:
        """A small GET of the gateway's own (readiness, OpenAPI); raises on transport errors."""
        async with self.session.get(
            self.service_urls[service] + path, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            body = await response.json(content_type=None) if response.status == 200 else None
            return response.status, body

    async def forward(self, request: Request, identity: Identity) -> Response:
        path = request.url.path
        if has_dot_segments(request.scope.get("raw_path") or path.encode()):
            raise BadRequest(
                "The path holds '.' or '..' segments (perhaps encoded): send the resource's own "
                "path",
                code="path_not_normalised",
            )
        service = owner_of(path)
        if service is None:
            raise NotFound(f"No resource at {path}")
        if service not in self.service_urls:
            raise ServiceUnavailable(f"The {service} service is not configured in this gateway")
        # the role x operation matrix, here as in the service: a forbidden call stops here
        operation = route_operations().operation(service, request.method, path)
        if operation is not None:
            check(identity, operation)
        # the raw query string, so that encoding and repeated keys reach the service unchanged,
        # less Open311's api_key: credentials stay at the gateway
        query = "&".join(
            part
            for part in request.url.query.split("&")
            if part and not part.startswith("api_key=")
        )
        url = self.service_urls[service] + path + (f"?{query}" if query else "")
        # A client's identity header is never passed on, nor its credentials: the gateway speaks
        # for the caller with the identity it verified.
        headers = CIMultiDict(
            (k, v)
            for k, v in request.headers.items()
            if k.lower() not in HOP_BY_HOP
            and k.lower() not in (IDENTITY_HEADER, "authorization", "x-api-key")
        )
        headers[IDENTITY_HEADER] = self.signer.sign(
            identity, audience=service, method=request.method, path=path
        )
        headers["x-request-id"] = request_id_var.get() or ""
        headers["x-correlation-id"] = correlation_id_var.get() or ""
        headers["x-forwarded-for"] = request.client.host if request.client else ""
        headers["x-forwarded-proto"] = request.url.scheme
        # Files go through as streams, bounded by the time between reads rather than by the
        # request deadline (a video on a slow mobile link takes longer); an upload by its own
        # overall deadline, in one of a few slots (`UploadLimits`).
        options: dict[str, Any] = {}
        if path.startswith(MEDIA_PREFIX):
            options["timeout"] = aiohttp.ClientTimeout(
                total=None, sock_connect=self.connect_timeout, sock_read=self.timeout
            )
        upload = path in UPLOAD_PATHS and request.method == "POST"
        with self._upload_slot(service, identity) if upload else contextlib.nullcontext():
            if upload:
                data: Any = request.stream()
                options["timeout"] = aiohttp.ClientTimeout(
                    total=self.uploads.deadline_s,
                    sock_connect=self.connect_timeout,
                    sock_read=self.timeout,
                )
            else:
                data = await _body_without_api_key(request) or None
            try:
                upstream = await self.session.request(
                    request.method,
                    url,
                    headers=headers,
                    data=data,
                    allow_redirects=False,
                    **options,
                )
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise self._transport_error(service, exc, upload=upload) from exc
            return await self._answer(service, upstream)

    @contextlib.contextmanager
    def _upload_slot(self, service: str, identity: Identity) -> Iterator[None]:
        """One of the caller's few concurrent uploads and one of the service's upload slots,
        or a refusal now: uploads never hold the connections every other request needs, and
        a hundred trickling uploads cannot starve `POST /cases`."""
        limits = self.uploads
        if self._uploads_of[identity.sub] >= limits.per_caller:
            raise RateLimited(
                f"At most {limits.per_caller} uploads at once; wait for one to finish",
                code="too_many_uploads",
                headers={"Retry-After": "5"},
            )
        if self._uploads_to[service] >= limits.slots_per_service:
            raise ServiceUnavailable(
                "Every upload slot is busy; try again shortly",
                code="uploads_busy",
                headers={"Retry-After": "5"},
            )
        self._uploads_of[identity.sub] += 1
        self._uploads_to[service] += 1
        try:
            yield
        finally:
            for counter, key in ((self._uploads_of, identity.sub), (self._uploads_to, service)):
                counter[key] -= 1
                if counter[key] <= 0:
                    del counter[key]

    async def _answer(self, service: str, upstream: aiohttp.ClientResponse) -> Response:
        status = upstream.status
        response_headers = [
            (k, v) for k, v in upstream.headers.items() if k.lower() not in RESPONSE_DROP
        ]
        length = upstream.content_length
        if length is None or length > STREAM_ABOVE_BYTES:
            streaming = StreamingResponse(
                upstream.content.iter_chunked(CHUNK),
                status_code=status,
                background=BackgroundTask(upstream.release),
            )
            for key, value in response_headers:
                streaming.headers.append(key, value)
            if length is not None:  # the bytes pass unchanged (no decompression here)
                streaming.headers["content-length"] = str(length)
            return streaming
        try:
            content = await upstream.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise self._transport_error(service, exc) from exc
        finally:
            upstream.release()
        response = Response(content=content, status_code=status)
        for key, value in response_headers:
            response.headers.append(key, value)
        return response

    def _transport_error(
        self, service: str, exc: BaseException, *, upload: bool = False
    ) -> Exception:
        if isinstance(exc, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError):
            return ServiceUnavailable(
                f"The {service} service is not reachable", headers={"Retry-After": "2"}
            )
        if upload and isinstance(exc, TimeoutError):
            return GatewayTimeout(
                f"The upload did not finish within {self.uploads.deadline_s:.0f}s",
                code="upload_too_slow",
            )
        if isinstance(exc, TimeoutError):
            return GatewayTimeout(
                f"The {service} service did not answer within {self.timeout:.0f}s"
            )
        # the service went away mid-request (killed, restarted): it may or may not have done
        # the work, so this is an outage to retry through (the same Idempotency-Key gives the
        # same case), not a bad answer
        log.warning("upstream transport error", extra={"service": service, "error": repr(exc)})
        return ServiceUnavailable(
            f"The {service} service closed the connection before answering; the request may "
            "or may not have been carried out: send it again (with the same Idempotency-Key)",
            code="upstream_closed",
            headers={"Retry-After": "2"},
        )
