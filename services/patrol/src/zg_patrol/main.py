"""Patrol service: the territory, the daily patrol plans with the case tasks, QR check-in."""

from __future__ import annotations

from fastapi import FastAPI

from zg_common.app import ServiceSpec, create_service_app
from zg_common.contracts.patrol import CONTRACTS
from zg_patrol import missed, plans, positions, refdata, tasks
from zg_patrol.config import PatrolSettings
from zg_patrol.models import SCHEMA, outbox
from zg_patrol.router import router
from zg_patrol.runtime import State
from zg_patrol.territory_api import router as territory_router


def create_app(settings: PatrolSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or PatrolSettings(),
        ServiceSpec(
            name="patrol",
            title="Zongguan patrol",
            description="The territory (zone types, grids, points, routes, officers) and the "
            "daily patrol plans.",
            schema=SCHEMA,
            package_file=__file__,
            state=State,
            routers=[territory_router, router],
            outbox=outbox,
            produces=CONTRACTS,
            on_startup=[refdata.load],
            consumers=tasks.consumers,
            workers=[plans.daily, missed.watch, tasks.watch],
            purges=[positions.purge_track],
        ),
    )
