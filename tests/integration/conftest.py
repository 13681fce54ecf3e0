"""Fixtures for the common library against the real broker and database: a private database,
a private schema with the common tables, and unique topics per test."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from tests.conftest import REPO, Infra
from tests.helpers import create_database, unique
from zg_common.db import to_async_url
from zg_common.kafka import create_producer
from zg_common.messaging import install_common_tables_v1


@pytest.fixture(scope="session")
async def database_url(infra: Infra) -> str:
    name = "zg_integration"
    await create_database(infra.database_url, name)
    return to_async_url(infra.url_for(name))


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def schema(engine: AsyncEngine) -> AsyncIterator[MetaData]:
    """A fresh schema with the outbox, processed-event and refdata tables, dropped afterwards."""
    name = unique("t")
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{name}"'))
        await conn.run_sync(install_common_tables_v1, name)
    yield MetaData(schema=name)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))


@pytest.fixture
async def producer(infra: Infra) -> AsyncIterator[AIOKafkaProducer]:
    producer = create_producer(infra.kafka_bootstrap_servers, client_id=unique("test"))
    await producer.start()
    yield producer
    await producer.stop()


@contextlib.asynccontextmanager
async def service_database(
    infra: Infra, service: str, database: str | None = None
) -> AsyncIterator[AsyncEngine]:
    """A database of its own (`zg_<service>` unless named) with a service's migrations applied
    (its schema)."""
    from zg_common import migrate

    main = importlib.import_module(f"zg_{service}.main")
    assert main.__file__ is not None
    database = database or f"zg_{service}"
    await create_database(infra.database_url, database)
    engine = create_async_engine(to_async_url(infra.url_for(database)))
    await migrate.upgrade(engine, migrate.find_migrations(main.__file__), service)
    try:
        yield engine
    finally:
        await engine.dispose()


async def load_data_set(engine: AsyncEngine, service: str) -> Any:
    """Run a service's loader of the default data set on the database; its runtime state."""
    refdata = importlib.import_module(f"zg_{service}.refdata")
    state = importlib.import_module(f"zg_{service}.runtime").State()
    runtime: Any = SimpleNamespace(
        settings=SimpleNamespace(
            refdata_dir=REPO / "deploy" / "data" / "fangxing", qr_public_keys=()
        ),
        sessions=async_sessionmaker(engine, expire_on_commit=False),
        state=state,
        cleanup=contextlib.AsyncExitStack(),
    )
    await refdata.load(runtime)
    return runtime


@pytest.fixture(scope="session")
async def intake_engine(infra: Infra) -> AsyncIterator[AsyncEngine]:
    async with service_database(infra, "intake") as engine:
        yield engine


@pytest.fixture(scope="session")
async def routing_engine(infra: Infra) -> AsyncIterator[AsyncEngine]:
    async with service_database(infra, "routing") as engine:
        yield engine


@pytest.fixture(scope="session")
async def scoring_engine(infra: Infra) -> AsyncIterator[AsyncEngine]:
    async with service_database(infra, "scoring") as engine:
        yield engine


@pytest.fixture
async def routing_loaded(routing_engine: AsyncEngine) -> tuple[Any, Any]:
    """Routing's database with the default data set loaded: its sessions and its clock."""
    runtime = await load_data_set(routing_engine, "routing")
    return runtime.sessions, runtime.state.clock


@pytest.fixture(scope="session")
async def patrol_db(infra: Infra) -> AsyncIterator[tuple[AsyncEngine, Any]]:
    """Patrol's database with the data set loaded: its engine and the requirements."""
    async with service_database(infra, "patrol") as engine:
        runtime = await load_data_set(engine, "patrol")
        yield engine, runtime.state.requirements
