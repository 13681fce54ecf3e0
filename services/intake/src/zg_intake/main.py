"""Intake service: one platform accepts every case (一个平台受理)."""

from __future__ import annotations

from fastapi import FastAPI

from zg_common.app import ServiceSpec, create_service_app
from zg_common.contracts.intake import CONTRACTS
from zg_intake import media_service, refdata, service, territory_copy, webhook_worker
from zg_intake.config import IntakeSettings
from zg_intake.consumers import consumers
from zg_intake.models import SCHEMA, outbox
from zg_intake.open311 import router as open311_router
from zg_intake.router import router
from zg_intake.runtime import State
from zg_intake.webhooks_router import router as webhooks_router


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or IntakeSettings(),
        ServiceSpec(
            name="intake",
            title="Zongguan intake",
            description="Case intake: every channel, one case per problem.",
            schema=SCHEMA,
            package_file=__file__,
            state=State,
            routers=[router, webhooks_router, open311_router],
            outbox=outbox,
            produces=CONTRACTS,
            consumers=consumers,
            on_startup=[refdata.load, media_service.start_store],
            purges=[media_service.purge_unattached, service.purge_idempotency_keys],
            workers=[webhook_worker.run_worker, territory_copy.follow],
        ),
    )
