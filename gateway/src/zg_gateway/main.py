"""The API gateway: one entry point on port 8000, one /docs for the whole platform."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from zg_common.app import create_base_app
from zg_common.errors import ServiceUnavailable, problem_response
from zg_common.logging import configure_logging
from zg_gateway.config import GatewaySettings
from zg_gateway.openapi import MergedOpenAPI
from zg_gateway.proxy import Upstreams

PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", level=settings.log_level, fmt=settings.log_format)
        if settings.identity_secret is None:
            raise RuntimeError(
                "ZG_IDENTITY_SECRET is not set: the gateway could not sign identities"
            )
        upstreams = Upstreams(
            settings.service_urls,
            identity_secret=settings.identity_secret.get_secret_value(),
            connect_timeout=settings.connect_timeout_s,
            timeout=settings.upstream_timeout_s,
            max_connections=settings.max_connections_per_service,
        )
        app.state.upstreams = upstreams
        app.state.openapi = MergedOpenAPI(
            upstreams,
            title="Zongguan API",
            version="0.1.0",
            cache_s=settings.openapi_cache_s,
        )
        try:
            yield
        finally:
            await upstreams.aclose()

    app = create_base_app(
        settings,
        name="gateway",
        title="Zongguan gateway",
        description="Forwards /api/v1 to the owning service.",
        version="0.1.0",
        lifespan=lifespan,
    )
    # The gateway's own OpenAPI would only describe the proxy; /openapi.json is the merged one.
    app.openapi_url = None
    app.docs_url = None
    app.redoc_url = None
    app.router.routes = [
        r
        for r in app.router.routes
        if getattr(r, "path", "")
        not in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
    ]

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(await request.app.state.openapi.document())

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Zongguan API")

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        upstreams: Upstreams = request.app.state.upstreams

        async def ready(service: str) -> bool:
            try:
                status, _ = await upstreams.get(service, "/readyz", timeout=3.0)
            except Exception:
                return False
            return status == 200

        names = list(settings.service_urls)
        states = await asyncio.gather(*(ready(n) for n in names))
        checks: dict[str, Any] = dict(zip(names, states, strict=True))
        if all(states):
            return JSONResponse({"status": "ready", "checks": checks})
        down = ", ".join(n for n, ok in checks.items() if not ok)
        return problem_response(ServiceUnavailable(f"Not ready: {down}"), instance="/readyz")

    @app.api_route("/api/v1/{path:path}", methods=PROXY_METHODS, include_in_schema=False)
    async def forward(request: Request) -> Response:
        upstreams: Upstreams = request.app.state.upstreams
        return await upstreams.forward(request)

    return app
