"""A service's migrations build exactly the tables its models declare: columns, types,
nullability, indexes and unique constraints (Alembic's own comparison, as `autogenerate`
runs it). A model changed without a migration, or a migration that drifts from its model,
fails here instead of in a deployment.

Scoring only, for now: the other services' migrations create indexes their models do not
declare (18 differences in intake, 9 in routing, 12 in patrol, 3 in video-index on
2026-11-30), which a service of theirs must settle first, model by model."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from tests.conftest import Infra
from tests.integration.conftest import service_database

pytestmark = pytest.mark.integration

SERVICES = ["scoring", "access", "lighting"]
# the tables zg_common's own mechanisms keep in every service's schema, outside its models
SHARED = {"alembic_version", "processed_event", "refdata_load"}


def _differences(connection: Connection, metadata: Any, schema: str) -> list[Any]:
    def ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "schema":
            return name == schema
        return not (type_ == "table" and name in SHARED)

    context = MigrationContext.configure(
        connection,
        opts={"include_schemas": True, "include_object": ours, "compare_type": True},
    )
    diff: list[Any] = compare_metadata(context, metadata)
    return diff


@pytest.mark.parametrize("service", SERVICES)
async def test_the_migrations_build_what_the_models_declare(infra: Infra, service: str) -> None:
    models = importlib.import_module(f"zg_{service}.models")
    schema = models.SCHEMA
    async with (
        service_database(infra, service, f"zg_models_{service}") as engine,
        engine.connect() as conn,
    ):
        diff = await conn.run_sync(_differences, models.metadata, schema)
    assert diff == [], f"{service}: models and migrations differ: {diff}"
