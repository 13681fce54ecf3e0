"""Kafka entrypoints of scoring: one projection of every event it reads."""

from __future__ import annotations

from collections.abc import Sequence

from zg_common.consumer import FOLLOWER_GATHER_MS, ConsumerSpec
from zg_common.contracts.scoring import REPLAYED_TOPICS
from zg_scoring import projection
from zg_scoring.runtime import ScoringRuntime

TOPICS = REPLAYED_TOPICS
PROJECTION_GROUP = "scoring.projection"


def consumers(runtime: ScoringRuntime) -> Sequence[ConsumerSpec]:
    return (
        ConsumerSpec(
            name=PROJECTION_GROUP,
            topics=TOPICS,
            batch=projection.apply,
            max_records=runtime.settings.consumer_batch,
            gather_ms=FOLLOWER_GATHER_MS,  # scores may trail the events by a moment
        ),
    )
