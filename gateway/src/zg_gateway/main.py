"""The API gateway: one entry point on port 8000, one /docs for the whole platform.

It authenticates callers (its own accounts and refresh tokens, in the `gateway` schema), signs
the verified identity for the services, and forwards /api/v1 to the owning service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from zg_common import migrate, open311
from zg_common.app import create_base_app
from zg_common.contracts.feed import STREAM_PATH
from zg_common.db import create_engine, create_sessionmaker, unit_of_work
from zg_common.errors import (
    BadRequest,
    ProblemError,
    ServiceUnavailable,
    Unauthorized,
    problem_response,
)
from zg_common.identity import ANONYMOUS, Identity
from zg_common.kafka_cluster import KafkaCluster
from zg_common.logging import configure_logging
from zg_gateway.admin import accounts_router, audit_router
from zg_gateway.admin import router as admin_router
from zg_gateway.audit import AuditMiddleware, AuditWriter
from zg_gateway.background import purge_hourly, relay_events
from zg_gateway.config import GatewaySettings
from zg_gateway.demo import create_demo_accounts
from zg_gateway.keys import identity_for_key
from zg_gateway.logins import LoginPolicy
from zg_gateway.models import SCHEMA
from zg_gateway.oidc import OidcVerifier
from zg_gateway.openapi import MergedOpenAPI, describe_security, readable_ids
from zg_gateway.ops import router as ops_router
from zg_gateway.ops_page import mount_ops_page
from zg_gateway.proxy import UploadLimits, Upstreams, form_api_key
from zg_gateway.ratelimit import (
    Limit,
    RateLimiter,
    authentication_failed,
    client_ip,
)
from zg_gateway.revocations import Revocations
from zg_gateway.router import router
from zg_gateway.service import TokenPolicy
from zg_gateway.stream import StreamLimits
from zg_gateway.stream_tickets import StreamTickets
from zg_gateway.tokens import AccessTokens

log = logging.getLogger(__name__)
PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass
class GatewayRuntime:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    token_policy: TokenPolicy
    upstreams: Upstreams
    openapi: MergedOpenAPI
    limiter: RateLimiter
    limits: dict[str, Limit]
    login_policy: LoginPolicy
    audit: AuditWriter
    tickets: StreamTickets
    stream_settings: StreamLimits
    kafka: KafkaCluster
    oidc: OidcVerifier | None = None
    open_streams: int = 0

    async def authenticate(self, request: Request) -> Identity:
        """The caller (see `identify`), counted against its rate limit. An address whose
        credentials failed too often this minute is refused for the rest of it."""
        ip = client_ip(request)
        failures = self.limits["auth_failures"]
        self.limiter.refuse_over(f"authfail:{ip}", failures.per_minute, code="auth_failures")
        try:
            identity = await self.identify(request)
        except Unauthorized as exc:
            authentication_failed(self.limiter, ip, exc.instance_code)
            raise
        request.state.identity = identity  # for the audit log
        if identity.role == "anonymous":
            self.limiter.check(f"ip:{ip}", self.limits["ip"])
        elif identity.role == "partner":
            self.limiter.check(identity.sub, self.limits["key"])
        else:
            self.limiter.check(f"user:{identity.sub}", self.limits["user"])
        return identity

    async def identify(self, request: Request) -> Identity:
        """The caller: a bearer token's account, a partner's API key (header `X-API-Key` or
        Open311's `api_key` parameter), a stream ticket on the live stream's path, or anonymous
        without credentials."""
        ticket = request.query_params.get("ticket")
        if ticket and request.url.path == STREAM_PATH:
            async with unit_of_work(self.sessions) as session:
                return await self.tickets.redeem(session, ticket)
        in_query = request.query_params.get("api_key")
        if in_query and not open311.is_open311(request.url.path):
            # only Open311's clients send the key as a parameter (its spec says so); elsewhere
            # a key in a URL ends up in proxies' and browsers' histories
            raise BadRequest(
                "Send the API key in the X-API-Key header, not in the URL",
                code="api_key_in_query",
            )
        api_key = request.headers.get("x-api-key") or in_query or await form_api_key(request)
        if api_key:
            async with unit_of_work(self.sessions) as session:
                return await identity_for_key(session, api_key)
        header = request.headers.get("authorization")
        if not header:
            return ANONYMOUS
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(
                "Use 'Authorization: Bearer <access token>'",
                code="token_invalid",
                headers={"WWW-Authenticate": "Bearer"},
            )
        token = token.strip()
        try:
            if self.oidc is not None and self.oidc.issued(token):
                return await self.oidc.verify(token)
            return self.token_policy.access.verify(token)
        except Unauthorized as exc:
            exc.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            raise


def oidc_verifier(settings: GatewaySettings) -> OidcVerifier | None:
    if not (settings.oidc_issuer and settings.oidc_jwks_url):
        return None
    return OidcVerifier(
        issuer=settings.oidc_issuer,
        jwks_url=settings.oidc_jwks_url,
        audience=settings.oidc_audience,
        role_claim=settings.oidc_role_claim,
        department_claim=settings.oidc_department_claim,
        grid_claim=settings.oidc_grid_claim,
        compound_claim=settings.oidc_compound_claim,
    )


def _secret(value: Any, name: str) -> str:
    if value is None:
        raise RuntimeError(f"{name} is not set: the gateway cannot start without it")
    return str(value.get_secret_value())


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", level=settings.log_level, fmt=settings.log_format)
        identity_secret = _secret(settings.identity_secret, "ZG_IDENTITY_SECRET")
        jwt_secret = _secret(settings.jwt_secret, "ZG_JWT_SECRET")
        engine = create_engine(settings, application_name="zg-gateway")
        upstreams = Upstreams(
            settings.service_urls,
            identity_secret=identity_secret,
            connect_timeout=settings.connect_timeout_s,
            timeout=settings.upstream_timeout_s,
            max_connections=settings.max_connections_per_service,
            uploads=UploadLimits(
                per_caller=settings.uploads_per_caller,
                slots_per_service=settings.upload_slots_per_service,
                deadline_s=settings.upload_deadline_s,
            ),
        )
        try:
            await migrate.at_start(engine, __file__, SCHEMA, settings)
            sessions = create_sessionmaker(engine)
            revoked = Revocations()
            await revoked.read(sessions)
            runtime = GatewayRuntime(
                engine=engine,
                sessions=sessions,
                audit=AuditWriter(sessions),
                tickets=StreamTickets(
                    jwt_secret, issuer=settings.jwt_issuer, ttl_s=settings.stream_ticket_ttl_s
                ),
                stream_settings=StreamLimits(
                    heartbeat_s=settings.stream_heartbeat_s,
                    max_age_s=settings.stream_max_age_s,
                    max_connections=settings.stream_max_connections,
                ),
                kafka=settings.kafka,
                token_policy=TokenPolicy(
                    access=AccessTokens(
                        jwt_secret,
                        issuer=settings.jwt_issuer,
                        ttl_s=settings.access_token_ttl_s,
                        revocations=revoked,
                    ),
                    refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
                ),
                upstreams=upstreams,
                limiter=RateLimiter(),
                limits={
                    "user": Limit(settings.rate_limit_user_per_minute, settings.rate_limit_burst),
                    "key": Limit(settings.rate_limit_key_per_minute, settings.rate_limit_burst),
                    "ip": Limit(settings.rate_limit_ip_per_minute, settings.rate_limit_burst),
                    "login_ip": Limit(settings.rate_limit_login_ip_per_minute, 10),
                    "auth_failures": Limit(settings.rate_limit_auth_failures_per_minute, 1),
                },
                login_policy=LoginPolicy(
                    free_failures=settings.login_free_failures,
                    max_backoff_s=settings.login_max_backoff_s,
                    attack_failures=settings.login_attack_failures,
                ),
                oidc=oidc_verifier(settings),
                openapi=MergedOpenAPI(
                    upstreams,
                    title="Zongguan API",
                    version="0.1.0",
                    cache_s=settings.openapi_cache_s,
                ),
            )
            app.state.runtime = runtime
            app.state.authenticate = runtime.authenticate  # what Authorize uses at the gateway
            if settings.environment != "production" and settings.demo_credentials_file:
                async with unit_of_work(runtime.sessions) as session:
                    await create_demo_accounts(
                        session, settings.demo_credentials_file, refdata_dir=settings.refdata_dir
                    )
            tasks = [
                asyncio.create_task(runtime.audit.run()),
                asyncio.create_task(relay_events(engine, settings)),
                asyncio.create_task(revoked.follow(sessions, settings.revocation_poll_s)),
                asyncio.create_task(runtime.limiter.follow(sessions, settings.rate_limit_sync_s)),
                asyncio.create_task(purge_hourly(sessions)),
            ]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await runtime.audit.flush()
        finally:
            await upstreams.aclose()
            await engine.dispose()

    app = create_base_app(
        settings,
        name="gateway",
        title="Zongguan gateway",
        description="Authenticates callers and forwards /api/v1 to the owning service.",
        version="0.1.0",
        lifespan=lifespan,
    )
    # The gateway's own OpenAPI would only describe the proxy; /openapi.json is the merged one.
    app.openapi_url = None
    app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/openapi.json"]
    # outermost, so that it sees the final answer (status and request id) of every call
    app.add_middleware(AuditMiddleware)
    if settings.trusted_proxies:  # outside the audit: it records the client, not the proxy
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=PROXY_METHODS,
            allow_headers=[
                "Authorization",
                "Content-Type",
                "X-API-Key",
                "X-Request-ID",
                "X-Correlation-ID",
                "Idempotency-Key",
            ],
            expose_headers=["X-Request-ID", "X-Correlation-ID", "Location", "Retry-After"],
            max_age=600,
        )
    app.include_router(router)
    app.include_router(admin_router)
    app.include_router(audit_router)
    app.include_router(accounts_router)
    app.include_router(ops_router)
    mount_ops_page(app, ops_dir=settings.ops_dir, web_dir=settings.web_dir)

    # the gateway's own endpoints (authentication, administration, the live map's stream) as
    # every service describes its own (errors as Problem), for the merged document
    own = app.openapi()
    own_paths = {p: item for p, item in own.get("paths", {}).items() if p.startswith("/api/")}
    readable_ids(own_paths, "gateway", list(own_paths))
    own_schemas = own.get("components", {}).get("schemas", {})

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        runtime: GatewayRuntime = request.app.state.runtime
        document = await runtime.openapi.document()
        components = document.get("components", {})
        schemas = components.get("schemas", {}) | own_schemas
        return JSONResponse(
            describe_security(
                document
                | {
                    "paths": document["paths"] | own_paths,
                    "components": components | {"schemas": schemas},
                }
            )
        )

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        runtime: GatewayRuntime = request.app.state.runtime

        async def ready(service: str) -> bool:
            try:
                status, _ = await runtime.upstreams.get(service, "/readyz", timeout=3.0)
            except Exception:
                return False
            return status == 200

        async def database() -> bool:
            try:
                async with runtime.engine.connect() as conn:
                    await asyncio.wait_for(conn.execute(text("SELECT 1")), 2.0)
                return True
            except Exception:
                return False

        # the gateway is ready when it can serve: its own database. A service that is down
        # is reported, not held against the gateway (it answers that service's calls with 503
        # and every other call as usual; a balancer taking all gateways out would be worse)
        names = list(settings.service_urls)
        own, *states = await asyncio.gather(database(), *(ready(n) for n in names))
        services = dict(zip(names, states, strict=True))
        checks: dict[str, Any] = {"gateway-database": own, "services": services}
        if own:
            return JSONResponse({"status": "ready", "checks": checks})
        problem = ServiceUnavailable("Not ready: the gateway's database is unreachable")
        return problem_response(problem, instance="/readyz")

    @app.api_route("/api/v1/{path:path}", methods=PROXY_METHODS, include_in_schema=False)
    async def forward(request: Request) -> Response:
        runtime: GatewayRuntime = request.app.state.runtime
        identity = await runtime.authenticate(request)
        return await runtime.upstreams.forward(request, identity)

    @app.api_route(
        open311.PREFIX + "/{path:path}", methods=["GET", "POST"], include_in_schema=False
    )
    async def forward_open311(request: Request) -> Response:
        """Open311 clients: the key may come in the form body too, and errors are the spec's."""
        runtime: GatewayRuntime = request.app.state.runtime
        try:
            identity = await runtime.authenticate(request)
            return await runtime.upstreams.forward(request, identity)
        except ProblemError as exc:
            return open311.problem_as_open311(request.url.path, exc)

    return app
