"""Kafka entrypoints of the video index: decode, then the use case. Intake's reported cases are
linked to the cameras that see them; patrol's officer positions move their body cameras."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.consumer import FOLLOWER_GATHER_MS, ConsumerSpec
from zg_common.contracts.intake import TOPIC_CASE as INTAKE_CASE
from zg_common.contracts.intake import CaseReported
from zg_common.contracts.patrol import (
    TOPIC_OFFICER,
    OfficerPositionReported,
)
from zg_common.events import CloudEvent
from zg_video_index import links, territory_copy
from zg_video_index.runtime import VideoIndexRuntime


def consumers(runtime: VideoIndexRuntime) -> Sequence[ConsumerSpec]:
    state = runtime.state

    async def reported(session: AsyncSession, event: CloudEvent) -> None:
        await links.link_case(session, CaseReported.parse(event), state.index)

    async def officers_moved(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        positions = [
            OfficerPositionReported.parse(e)
            for e in events
            if e.type == OfficerPositionReported.event_type
        ]
        await links.follow_officers(session, positions, state.grids.grid_of)

    return (
        runtime.state.territory_copy.consumer("video-index.territory", territory_copy.apply_change),
        ConsumerSpec(
            name="video-index.case-cameras",
            topics=(INTAKE_CASE,),
            handlers={CaseReported.event_type: reported},
            gather_ms=FOLLOWER_GATHER_MS,  # a case's cameras are listed a moment after it
        ),
        ConsumerSpec(
            name="video-index.body-cameras",
            topics=(TOPIC_OFFICER,),
            batch=officers_moved,
            gather_ms=FOLLOWER_GATHER_MS,  # positions come every few seconds anyway
        ),
    )
