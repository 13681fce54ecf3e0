"""Video-index service: the registry of every camera, the spatial questions about them (which
cameras see a place), cameras linked to cases, camera alarms into intake."""

from __future__ import annotations

from fastapi import FastAPI

from zg_common.app import ServiceSpec, create_service_app
from zg_common.contracts.video_index import CONTRACTS
from zg_video_index import health, imports, refdata, registry_router, service, territory_copy
from zg_video_index.config import VideoIndexSettings
from zg_video_index.consumers import consumers
from zg_video_index.models import SCHEMA, outbox
from zg_video_index.router import router
from zg_video_index.runtime import State


def create_app(settings: VideoIndexSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or VideoIndexSettings(),
        ServiceSpec(
            name="video-index",
            title="Zongguan video index",
            description="The registry of every camera (天网, compound, body and vehicle "
            "cameras) and which of them see a place.",
            schema=SCHEMA,
            package_file=__file__,
            state=State,
            routers=[registry_router.router, router],  # /cameras/export before /cameras/{id}
            outbox=outbox,
            produces=CONTRACTS,
            on_startup=[refdata.load],
            consumers=consumers,
            workers=[service.follow_registry, health.watch, territory_copy.follow, imports.work],
        ),
    )
