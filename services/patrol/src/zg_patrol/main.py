"""Patrol service: the territory, and (next) daily patrol plans and QR check-in."""

from __future__ import annotations

from fastapi import FastAPI

from zg_common.app import ServiceSpec, create_service_app
from zg_common.contracts.patrol import TerritoryLoaded
from zg_patrol import refdata
from zg_patrol.config import PatrolSettings
from zg_patrol.models import SCHEMA, outbox
from zg_patrol.router import router


def create_app(settings: PatrolSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or PatrolSettings(),
        ServiceSpec(
            name="patrol",
            title="Zongguan patrol",
            description="The territory: zone types, grids, patrol points, routes and officers.",
            schema=SCHEMA,
            package_file=__file__,
            routers=[router],
            outbox=outbox,
            produces=[TerritoryLoaded],
            on_startup=[refdata.load],
        ),
    )
