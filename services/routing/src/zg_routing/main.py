"""Routing service: one platform routes every case (一个平台分流)."""

from __future__ import annotations

from fastapi import FastAPI

from zg_common.app import ServiceSpec, create_service_app
from zg_common.contracts.routing import CONTRACTS
from zg_routing import deadlines, directory, directory_router, refdata, territory_copy
from zg_routing.config import RoutingSettings
from zg_routing.consumers import consumers
from zg_routing.models import SCHEMA, outbox
from zg_routing.router import router
from zg_routing.runtime import State


def create_app(settings: RoutingSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or RoutingSettings(),
        ServiceSpec(
            name="routing",
            title="Zongguan routing",
            description="Departments, routing rules and the case lifecycle after intake.",
            schema=SCHEMA,
            package_file=__file__,
            state=State,
            routers=[directory_router.router, router],
            outbox=outbox,
            produces=CONTRACTS,
            consumers=consumers,
            on_startup=[refdata.load],
            workers=[deadlines.watch, directory.watch, territory_copy.follow],
        ),
    )
