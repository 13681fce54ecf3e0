"""Video-index service: the registry of every camera. This foundation gives it its schema,
outbox and operations endpoints; the registry, coverage queries and alarms are issue #7."""

from __future__ import annotations

from fastapi import FastAPI

from zg_common.app import ServiceSpec, create_service_app
from zg_common.contracts.video_index import CameraAlarmRaised
from zg_video_index.config import VideoIndexSettings
from zg_video_index.models import SCHEMA, outbox


def create_app(settings: VideoIndexSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or VideoIndexSettings(),
        ServiceSpec(
            name="video-index",
            title="Zongguan video index",
            description="The registry of every camera (天网, compound, body and vehicle cameras).",
            schema=SCHEMA,
            package_file=__file__,
            outbox=outbox,
            produces=[CameraAlarmRaised],
        ),
    )
