"""ORM tables of the video_index schema (the camera registry arrives with its own issue)."""

from __future__ import annotations

from sqlalchemy import MetaData

from zg_common.outbox import Outbox

SCHEMA = "video_index"
metadata = MetaData(schema=SCHEMA)
outbox = Outbox(metadata, source="/zongguan/video-index")
