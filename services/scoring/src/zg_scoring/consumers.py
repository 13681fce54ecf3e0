"""Kafka entrypoints of scoring."""

from __future__ import annotations

from collections.abc import Sequence

from zg_common.consumer import ConsumerSpec
from zg_common.contracts.routing import TOPIC_CASE as ROUTING_CASE
from zg_common.contracts.routing import CaseOverdue, CaseTransitioned
from zg_scoring import service
from zg_scoring.runtime import ScoringRuntime


def consumers(runtime: ScoringRuntime) -> Sequence[ConsumerSpec]:
    return (
        ConsumerSpec(
            name="scoring.case-counters",
            topics=(ROUTING_CASE,),
            handlers={
                CaseTransitioned.event_type: service.count_transition,
                CaseOverdue.event_type: service.count_overdue,
            },
        ),
    )
