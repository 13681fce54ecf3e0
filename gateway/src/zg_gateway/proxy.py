"""Forwarding a request to its service: pooled connections, a deadline, ids passed along.

A service that refuses connections answers 503, one that does not answer in time 504; both as
problem+json, both within the configured timeout, never a hang.
"""

from __future__ import annotations

import logging

import httpx
from fastapi import Request, Response

from zg_common.errors import BadGateway, GatewayTimeout, NotFound, ServiceUnavailable
from zg_common.logging import correlation_id_var, request_id_var
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
# httpx decodes compressed bodies, so the encoding headers no longer describe what we send on
RESPONSE_DROP = HOP_BY_HOP | {
    "content-encoding",
    "x-request-id",
    "x-correlation-id",
    "date",
    "server",
}


class Upstreams:
    def __init__(
        self,
        service_urls: dict[str, str],
        *,
        connect_timeout: float,
        timeout: float,
        max_connections: int,
    ) -> None:
        self.service_urls = service_urls
        self.timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self.client = httpx.AsyncClient(
            timeout=self.timeout,
            limits=httpx.Limits(
                max_connections=max_connections * len(service_urls),
                max_keepalive_connections=max_connections,
                keepalive_expiry=30.0,  # below the services' keep-alive timeout (75 s)
            ),
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def forward(self, request: Request) -> Response:
        path = request.url.path
        service = owner_of(path)
        if service is None:
            raise NotFound(f"No resource at {path}")
        if service not in self.service_urls:
            raise ServiceUnavailable(f"The {service} service is not configured in this gateway")
        # the raw query string, so that encoding and repeated keys reach the service unchanged
        url = (
            self.service_urls[service]
            + path
            + (f"?{request.url.query}" if request.url.query else "")
        )
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        headers += [
            ("x-request-id", request_id_var.get() or ""),
            ("x-correlation-id", correlation_id_var.get() or ""),
            ("x-forwarded-for", request.client.host if request.client else ""),
            ("x-forwarded-proto", request.url.scheme),
        ]
        body = await request.body()
        try:
            upstream = await self.client.request(
                request.method,
                url,
                headers=headers,
                content=body,
            )
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
                raise ServiceUnavailable(f"The {service} service is not reachable") from exc
            raise GatewayTimeout(
                f"The {service} service did not answer within {self.timeout.read:.0f}s"
            ) from exc
        except httpx.ConnectError as exc:
            raise ServiceUnavailable(f"The {service} service is not reachable") from exc
        except httpx.TransportError as exc:
            log.warning("upstream transport error", extra={"service": service, "error": repr(exc)})
            raise BadGateway(f"The {service} service closed the connection") from exc
        response_headers = {
            k: v for k, v in upstream.headers.items() if k.lower() not in RESPONSE_DROP
        }
        return Response(
            content=upstream.content, status_code=upstream.status_code, headers=response_headers
        )
