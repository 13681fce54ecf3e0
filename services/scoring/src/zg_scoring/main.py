"""Scoring service: one platform assesses (一个平台考核); indicators are projections of events."""

from __future__ import annotations

from fastapi import FastAPI

from zg_common.app import ServiceSpec, create_service_app
from zg_common.contracts.scoring import CONTRACTS
from zg_scoring import closing, district_router, rebuild_jobs, refdata
from zg_scoring.config import ScoringSettings
from zg_scoring.consumers import consumers
from zg_scoring.models import SCHEMA, outbox
from zg_scoring.router import router
from zg_scoring.runtime import State


def create_app(settings: ScoringSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or ScoringSettings(),
        ServiceSpec(
            name="scoring",
            title="Zongguan scoring",
            description="Indicators, points and rankings of departments, contractors, officers "
            "and grids, and the monthly reports: projections of the event log.",
            schema=SCHEMA,
            package_file=__file__,
            state=State,
            routers=[router, district_router.router],
            consumers=consumers,
            on_startup=[refdata.load],
            workers=[rebuild_jobs.worker, closing.closer],
            outbox=outbox,
            produces=CONTRACTS,
        ),
    )
