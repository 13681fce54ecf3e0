"""Patrol service: the territory, the daily patrol plans with the case tasks, QR check-in,
officers' positions and residents' supervision of the points."""

from __future__ import annotations

from fastapi import FastAPI

from zg_common.app import ServiceSpec, create_service_app
from zg_common.contracts.patrol import CONTRACTS
from zg_patrol import refdata
from zg_patrol.checkin import router as checkin
from zg_patrol.config import PatrolSettings
from zg_patrol.models import SCHEMA, outbox
from zg_patrol.plans import consumers, missed, tasks
from zg_patrol.plans import jobs as plan_jobs
from zg_patrol.plans import router as plans
from zg_patrol.plans import service as planning
from zg_patrol.positions import router as positions
from zg_patrol.positions import service as tracks
from zg_patrol.runtime import State
from zg_patrol.supervision import router as supervision
from zg_patrol.territory import router as territory


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
            routers=[
                territory.router,
                plans.router,
                checkin.router,
                supervision.router,
                positions.router,
            ],
            outbox=outbox,
            produces=CONTRACTS,
            on_startup=[refdata.load],
            consumers=consumers.consumers,
            workers=[planning.daily, missed.watch, tasks.watch, plan_jobs.work],
            purges=[tracks.purge_track],
        ),
    )
