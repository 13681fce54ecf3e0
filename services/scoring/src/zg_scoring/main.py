"""Scoring service: one platform assesses (一个平台考核); indicators are projections of events."""

from __future__ import annotations

from fastapi import FastAPI

from zg_common.app import ServiceSpec, create_service_app
from zg_scoring import rebuild, refdata
from zg_scoring.config import ScoringSettings
from zg_scoring.consumers import consumers
from zg_scoring.models import SCHEMA
from zg_scoring.router import router
from zg_scoring.runtime import State


def create_app(settings: ScoringSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or ScoringSettings(),
        ServiceSpec(
            name="scoring",
            title="Zongguan scoring",
            description="Points and indicators of officers, departments and contractors.",
            schema=SCHEMA,
            package_file=__file__,
            state=State,
            routers=[router],
            consumers=consumers,
            on_startup=[refdata.load],
            workers=[rebuild.worker],
        ),
    )
