"""Kafka entrypoints of routing: every reported case is dispatched; the copy of patrol's grids
follows patrol; a device reported healthy checks and closes its case."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from zg_common.consumer import ConsumerSpec
from zg_common.contracts.intake import TOPIC_CASE as INTAKE_CASE
from zg_common.contracts.intake import CaseReported
from zg_common.contracts.lighting import TOPIC_FAULT, FaultCleared
from zg_routing import devices, service, territory_copy
from zg_routing.runtime import RoutingRuntime


def consumers(runtime: RoutingRuntime) -> Sequence[ConsumerSpec]:
    return (
        runtime.state.territory_copy.consumer("routing.territory", territory_copy.apply_change),
        ConsumerSpec(
            name="routing.dispatch",
            topics=(INTAKE_CASE,),
            handlers={
                CaseReported.event_type: partial(
                    service.dispatch_reported_case,
                    grids=runtime.state.grids,
                    clock=runtime.state.clock,
                    rulebook=runtime.state.rulebook,
                    verify_public_reports=runtime.settings.verify_public_reports,
                    auto_dispatch=runtime.settings.auto_dispatch,
                )
            },
            prepare=service.note_reported_cases,
        ),
        ConsumerSpec(
            name="routing.device-health",
            topics=(TOPIC_FAULT,),
            handlers={
                FaultCleared.event_type: partial(
                    devices.device_healthy,
                    clock=runtime.state.clock,
                    rulebook=runtime.state.rulebook,
                )
            },
        ),
    )
