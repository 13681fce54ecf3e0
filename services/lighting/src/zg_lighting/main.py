"""Smart street-light service (智慧路灯): the district's lights on their poles, circuits and
cabinets, their state from the lighting platform, the schedule by season and sunset, energy
per circuit and night, and faults into cases — one per dead circuit, not forty."""

from __future__ import annotations

from fastapi import FastAPI

from zg_common.app import ServiceSpec, create_service_app
from zg_common.contracts.lighting import CONTRACTS
from zg_lighting import faults, refdata
from zg_lighting.config import LightingSettings
from zg_lighting.consumers import consumers
from zg_lighting.models import SCHEMA, outbox
from zg_lighting.router import router
from zg_lighting.runtime import State


def create_app(settings: LightingSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or LightingSettings(),
        ServiceSpec(
            name="lighting",
            title="Zongguan street lights",
            description="The district's street lights, circuits and cabinets, their state, "
            "schedule and energy, and their faults into cases.",
            schema=SCHEMA,
            package_file=__file__,
            state=State,
            routers=[router],
            outbox=outbox,
            produces=CONTRACTS,
            on_startup=[refdata.load],
            consumers=consumers,
            workers=[faults.watch],
        ),
    )
