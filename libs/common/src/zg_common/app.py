"""App builder: each service's `main.py` declares a ServiceSpec and calls `create_service_app`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar, cast

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from zg_common import migrate, readiness, redrive, shutdown, vitals
from zg_common.consumer import ConsumerSpec, IdempotentConsumer
from zg_common.db import create_engine, create_sessionmaker
from zg_common.docs import swagger_ui
from zg_common.errors import (
    PROBLEM_MEDIA_TYPE,
    Problem,
    ServiceUnavailable,
    install_error_handlers,
    problem_response,
)
from zg_common.events import EventContract
from zg_common.http import BodyLimitMiddleware, RequestContextMiddleware, SecurityHeadersMiddleware
from zg_common.identity import IdentityVerifier
from zg_common.kafka import connect_producer, create_producer
from zg_common.logging import configure_logging
from zg_common.messaging import purge_processed
from zg_common.outbox import Outbox, OutboxRelay
from zg_common.outbox_faults import OUTBOX_BACKLOG_AGE
from zg_common.readiness import Failures
from zg_common.settings import CommonSettings, ServiceSettings

log = logging.getLogger(__name__)

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
StateT = TypeVar("StateT")

StartupHook = Callable[["Runtime[SettingsT, StateT]"], Awaitable[None]]
# an hourly clean-up of the service's own (uploads never used, and the like): rows removed
PurgeHook = Callable[["Runtime[SettingsT, StateT]"], Awaitable[int]]


@dataclass(frozen=True)
class ServiceSpec(Generic[SettingsT, StateT]):
    """Everything that differs between services; the builder does the rest. `state` makes the
    service's typed in-memory state (a dataclass whose fields the startup hooks fill)."""

    name: str
    title: str
    description: str
    schema: str
    package_file: str
    state: Callable[[], StateT]
    routers: Sequence[APIRouter] = ()
    outbox: Outbox | None = None
    # built after the startup hooks ran, so handlers can bind in-memory state (indexes)
    consumers: Callable[[Runtime[SettingsT, StateT]], Sequence[ConsumerSpec]] = lambda _runtime: ()
    on_startup: Sequence[StartupHook[SettingsT, StateT]] = ()
    purges: Sequence[PurgeHook[SettingsT, StateT]] = ()
    # background loops of the service's own (webhook deliveries, ...), restarted if they fail
    workers: Sequence[Callable[[Runtime[SettingsT, StateT]], Coroutine[Any, Any, None]]] = ()
    produces: Sequence[type[EventContract]] = ()
    version: str = "0.1.0"


@dataclass
class Runtime(Generic[SettingsT, StateT]):
    """Per-process resources built by the lifespan, typed by the service's settings and state;
    routes reach it through their service's `dependencies`, never through `request.app.state`
    themselves."""

    settings: SettingsT
    spec: ServiceSpec[SettingsT, StateT]
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer
    # service-specific in-memory state built at startup (territory indexes and the like)
    state: StateT
    relay: OutboxRelay | None = None
    consumers: list[IdempotentConsumer] = field(default_factory=list)
    messaging_ready: asyncio.Event = field(default_factory=asyncio.Event)
    broker_tries: int = 0  # failed attempts to reach the broker before messaging started
    failures: Failures = field(default_factory=Failures)  # of background tasks (`/readyz`)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # startup hooks register what must be closed at shutdown (clients, pools)
    cleanup: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "description": "Client error",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
    "5XX": {
        "description": "Server error",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
}


def _problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """OpenAPI where every error is the Problem schema, not FastAPI's HTTPValidationError."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components.update(components["Problem"].pop("$defs", {}))
        for key in ("HTTPValidationError", "ValidationError"):
            components.pop(key, None)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {})
                responses.pop("422", None)
                responses.update(PROBLEM_RESPONSES)
        app.openapi_schema = schema
        return schema

    return openapi


def create_base_app(
    settings: CommonSettings,
    *,
    name: str,
    title: str,
    description: str,
    version: str,
    lifespan: Callable[[FastAPI], Any] | None = None,
) -> FastAPI:
    """Errors, ids, metrics, body limit, /healthz and /metrics: shared by services and gateway."""
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=(
            vitals.watched(lifespan, metrics_port=settings.metrics_port)
            if lifespan is not None
            else None
        ),
        docs_url=None,  # served below, without a CDN
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        upload_max_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware, service=name)
    app.openapi = _problem_openapi(app)  # type: ignore[method-assign]

    @app.get("/healthz", tags=["ops"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    if settings.metrics_port is None:  # else served on their own port (zg_common.vitals)

        @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=Response)
        async def metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    swagger_ui(app, settings.web_dir / "swagger-ui-dist", title)
    return app


HEALTHY_RUN_S = 60.0
SHUTDOWN_STOP_S = 5.0  # the producer's stop at shutdown, whatever the broker does
# the whole of a service's shutdown, below the supervisor's 15 s before it kills
SHUTDOWN_DEADLINE_S = 10.0


async def keep_running(
    name: str,
    factory: Callable[[], Coroutine[Any, Any, None]],
    failures: Failures | None = None,
) -> None:
    """Run a background loop; if it fails, log (and record in `failures`: a task that keeps
    failing makes `/readyz` say so) and start it again after a pause (1 s, doubling up to 30 s
    while it keeps failing; back to 1 s once a run has lasted a minute)."""
    delay = 1.0
    clock = asyncio.get_running_loop().time
    while True:
        started = clock()
        try:
            await factory()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            if failures is not None:
                failures.record(name)
            if clock() - started >= HEALTHY_RUN_S:
                delay = 1.0
            log.exception(
                "background task failed; restarting", extra={"task": name, "retry_in_s": delay}
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


def runtime_of(request: Request) -> Runtime[Any, Any]:
    """The process's runtime (each service's `dependencies` narrows it to its own type)."""
    return cast(Runtime[Any, Any], request.app.state.runtime)


async def runtime_dependency(request: Request) -> Runtime[Any, Any]:
    """`runtime_of` as a route dependency, typed by the route's annotation
    (`Annotated[PatrolRuntime, Depends(runtime_dependency)]`); a coroutine, because FastAPI
    runs a plain function dependency in a worker thread on every request."""
    return runtime_of(request)


def start_relay(
    engine: AsyncEngine,
    producer: AIOKafkaProducer,
    outbox: Outbox,
    *,
    name: str,
    settings: ServiceSettings,
    topics: set[str],
    failures: Failures | None = None,
) -> tuple[OutboxRelay, asyncio.Task[None]]:
    """The outbox's relay, running (restarted if it fails; a new producer of its own when
    `producer` breaks)."""
    relay = OutboxRelay(
        engine,
        producer,
        outbox,
        service=name,
        batch_size=settings.outbox_batch_size,
        poll_interval=settings.outbox_poll_interval_s,
        rebuild=partial(connect_producer, settings, topics, client_id=f"{name}-relay"),
    )
    return relay, asyncio.create_task(keep_running("outbox-relay", relay.run, failures))


async def _start_messaging(runtime: Runtime[Any, Any]) -> None:
    """Connect to Kafka, then start the relay and the consumers."""
    settings, spec = runtime.settings, runtime.spec
    consumer_specs = spec.consumers(runtime)
    topics = {c.topic for c in spec.produces} | {t for c in consumer_specs for t in c.topics}
    with contextlib.suppress(Exception):
        await runtime.producer.stop()  # the one made before the broker was known to answer

    def tried() -> None:
        runtime.broker_tries += 1

    runtime.producer = await connect_producer(settings, topics, client_id=spec.name, on_retry=tried)
    if spec.outbox is not None:
        runtime.relay, task = start_relay(
            runtime.engine,
            runtime.producer,
            spec.outbox,
            name=spec.name,
            settings=settings,
            topics=topics,
            failures=runtime.failures,
        )
        runtime.tasks.append(task)
    for consumer_spec in consumer_specs:
        consumer = IdempotentConsumer(
            consumer_spec,
            kafka=settings.kafka,
            sessions=runtime.sessions,
            schema=spec.schema,
            producer=runtime.producer,
            max_attempts=settings.consumer_max_attempts,
            retry_backoff_s=settings.consumer_retry_backoff_s,
        )
        runtime.consumers.append(consumer)
        loop = keep_running(consumer_spec.name, consumer.run, runtime.failures)
        runtime.tasks.append(asyncio.create_task(loop))
    runtime.tasks.append(
        asyncio.create_task(keep_running("housekeeping", lambda: _housekeeping(runtime)))
    )
    if consumed := sorted({t for c in consumer_specs for t in c.topics}):  # the DLQ gauge
        runtime.tasks.append(asyncio.create_task(redrive.watch(settings.kafka, consumed)))
    runtime.messaging_ready.set()
    log.info("messaging started", extra={"topics": sorted(topics)})


HOUSEKEEPING_INTERVAL_S = 30.0
PURGE_INTERVAL_S = 3600.0
# Published outbox rows are kept a week for inspection; processed-event ids a month, longer than
# the broker keeps records (168 h), so no redelivery can outlive its id.
OUTBOX_RETENTION_DAYS = 7
PROCESSED_RETENTION_DAYS = 30


async def _housekeeping(runtime: Runtime[Any, Any]) -> None:
    """Outbox backlog gauge every 30 s; purge of old outbox rows and processed ids hourly."""
    last_purge = -PURGE_INTERVAL_S
    while True:
        if runtime.relay is not None:
            OUTBOX_BACKLOG_AGE.labels(runtime.spec.name).set(await runtime.relay.backlog_age())
        now = asyncio.get_running_loop().time()
        if now - last_purge >= PURGE_INTERVAL_S:
            last_purge = now
            purged = await purge_processed(
                runtime.engine, runtime.spec.schema, older_than_days=PROCESSED_RETENTION_DAYS
            )
            if runtime.relay is not None:
                purged += await runtime.relay.purge_published(older_than_days=OUTBOX_RETENTION_DAYS)
            for purge in runtime.spec.purges:
                purged += await purge(runtime)
            if purged:
                log.info("housekeeping purged old rows", extra={"rows": purged})
        await asyncio.sleep(HOUSEKEEPING_INTERVAL_S)


def create_service_app(settings: SettingsT, spec: ServiceSpec[SettingsT, StateT]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(spec.name, level=settings.log_level, fmt=settings.log_format)
        if app.state.identity_verifier is None:
            raise RuntimeError(
                "ZG_IDENTITY_PUBLIC_KEYS is not set: the service could not verify callers"
            )
        # built once now, so that the gateway's merged /docs never waits on a service building
        # it (about a second of CPU for the larger services) while the machine is busy
        app.openapi()
        engine = create_engine(settings, application_name=f"zg-{spec.name}")
        runtime = Runtime(
            settings=settings,
            spec=spec,
            engine=engine,
            sessions=create_sessionmaker(engine),
            producer=create_producer(settings.kafka, client_id=spec.name),
            state=spec.state(),
        )
        app.state.runtime = runtime
        try:
            await migrate.at_start(engine, spec.package_file, spec.schema, settings)
            for hook in spec.on_startup:
                await hook(runtime)
            runtime.tasks.append(asyncio.create_task(_start_messaging(runtime)))
            for worker in spec.workers:
                loop = keep_running(
                    getattr(worker, "__name__", "worker"),
                    partial(worker, runtime),
                    runtime.failures,
                )
                runtime.tasks.append(asyncio.create_task(loop))
            log.info("service started", extra={"port": settings.http_port})
            yield
        finally:
            await shutdown.within(SHUTDOWN_DEADLINE_S, shutdown.service(runtime, SHUTDOWN_STOP_S))

    app = create_base_app(
        settings,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
    )

    # what Authorize verifies the gateway's identity header with: the gateway's public key,
    # for calls to this service
    app.state.identity_verifier = (
        IdentityVerifier(settings.identity_public_keys, audience=spec.name)
        if settings.identity_public_keys
        else None
    )

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="Readiness: database and broker reachable, every consumer in its group",
    )
    async def readyz(request: Request) -> JSONResponse:
        ready, checks, why = await readiness.check(runtime_of(request))
        if ready:
            return JSONResponse({"status": "ready", "checks": checks})
        problem = ServiceUnavailable(f"Not ready: {', '.join(why)}")
        return problem_response(problem, instance="/readyz")

    for router in spec.routers:
        app.include_router(router)
    return app
