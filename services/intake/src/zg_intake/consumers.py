"""Kafka entrypoints of intake: follow routing's decisions in the case read model; turn camera
alarms from video analytics, compound gates' alerts and street-light faults into cases; keep
the copy of patrol's territory current; end the webhook subscriptions of callers the gateway
revoked."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from zg_common.consumer import ConsumerSpec
from zg_common.contracts.access import TOPIC_GATE, GateAlertRaised
from zg_common.contracts.gateway import TOPIC_PRINCIPAL, PrincipalRevoked
from zg_common.contracts.lighting import TOPIC_FAULT, FaultRaised
from zg_common.contracts.routing import TOPIC_CASE as ROUTING_CASE
from zg_common.contracts.routing import CaseDeadlineApproached, CaseOverdue, CaseTransitioned
from zg_common.contracts.video_index import TOPIC_CAMERA, CameraAlarmRaised
from zg_intake import follow, machines, territory_copy, webhooks
from zg_intake.runtime import IntakeRuntime


def consumers(runtime: IntakeRuntime) -> Sequence[ConsumerSpec]:
    return (
        ConsumerSpec(
            name="intake.case-status",
            topics=(ROUTING_CASE,),
            handlers={
                CaseTransitioned.event_type: partial(
                    follow.record_transition, reference=runtime.state.reference
                ),
                CaseOverdue.event_type: follow.record_deadline,
                CaseDeadlineApproached.event_type: follow.record_deadline,
            },
            prepare=follow.lock_followed_cases,
        ),
        runtime.state.territory_copy.consumer("intake.territory", territory_copy.apply_change),
        ConsumerSpec(
            name="intake.principals",
            topics=(TOPIC_PRINCIPAL,),
            handlers={PrincipalRevoked.event_type: webhooks.stop_for_revoked},
        ),
        ConsumerSpec(
            name="intake.camera-alarms",
            topics=(TOPIC_CAMERA,),
            handlers={
                CameraAlarmRaised.event_type: partial(
                    machines.report_camera_alarm, reference=runtime.state.reference
                )
            },
        ),
        ConsumerSpec(
            name="intake.light-faults",
            topics=(TOPIC_FAULT,),
            handlers={
                FaultRaised.event_type: partial(
                    machines.report_light_fault, reference=runtime.state.reference
                )
            },
        ),
        ConsumerSpec(
            name="intake.gate-alerts",
            topics=(TOPIC_GATE,),
            handlers={
                GateAlertRaised.event_type: partial(
                    machines.report_gate_alert, reference=runtime.state.reference
                )
            },
        ),
    )
