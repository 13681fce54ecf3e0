"""Fixtures for the common library against the real broker and database: a private database,
a private schema with the common tables, and unique topics per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

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


@pytest.fixture(scope="session")
async def intake_engine(infra: Infra) -> AsyncIterator[AsyncEngine]:
    """A database with the intake service's migrations applied (its own schema)."""
    from zg_common import migrate
    from zg_intake import main as intake_main

    await create_database(infra.database_url, "zg_intake")
    engine = create_async_engine(to_async_url(infra.url_for("zg_intake")))
    await migrate.upgrade(engine, migrate.find_migrations(intake_main.__file__), "intake")
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def routing_engine(infra: Infra) -> AsyncIterator[AsyncEngine]:
    """A database with the routing service's migrations applied (its own schema)."""
    from zg_common import migrate
    from zg_routing import main as routing_main

    await create_database(infra.database_url, "zg_routing")
    engine = create_async_engine(to_async_url(infra.url_for("zg_routing")))
    await migrate.upgrade(engine, migrate.find_migrations(routing_main.__file__), "routing")
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def scoring_engine(infra: Infra) -> AsyncIterator[AsyncEngine]:
    """A database with the scoring service's migrations applied (its own schema)."""
    from zg_common import migrate
    from zg_scoring import main as scoring_main

    await create_database(infra.database_url, "zg_scoring")
    engine = create_async_engine(to_async_url(infra.url_for("zg_scoring")))
    await migrate.upgrade(engine, migrate.find_migrations(scoring_main.__file__), "scoring")
    yield engine
    await engine.dispose()


@pytest.fixture
async def routing_loaded(routing_engine: AsyncEngine) -> tuple[Any, Any]:
    """Routing's database with the default data set loaded: its sessions and its clock."""
    from types import SimpleNamespace

    from sqlalchemy.ext.asyncio import async_sessionmaker

    from zg_routing import refdata

    sessions = async_sessionmaker(routing_engine, expire_on_commit=False)
    runtime: Any = SimpleNamespace(
        settings=SimpleNamespace(refdata_dir=REPO / "deploy" / "data" / "fangxing"),
        sessions=sessions,
        state={},
    )
    await refdata.load(runtime)
    return sessions, runtime.state["clock"]


@pytest.fixture(scope="session")
async def patrol_db(infra: Infra) -> AsyncIterator[tuple[AsyncEngine, Any]]:
    """A database with the patrol service's migrations applied and the data set loaded: its
    engine and the requirements."""
    from types import SimpleNamespace

    from sqlalchemy.ext.asyncio import async_sessionmaker

    from zg_common import migrate
    from zg_patrol import main as patrol_main
    from zg_patrol import refdata

    await create_database(infra.database_url, "zg_patrol")
    engine = create_async_engine(to_async_url(infra.url_for("zg_patrol")))
    await migrate.upgrade(engine, migrate.find_migrations(patrol_main.__file__), "patrol")
    runtime: Any = SimpleNamespace(
        settings=SimpleNamespace(refdata_dir=REPO / "deploy" / "data" / "fangxing"),
        sessions=async_sessionmaker(engine, expire_on_commit=False),
        state={},
    )
    await refdata.load(runtime)
    yield engine, runtime.state["requirements"]
    await engine.dispose()
