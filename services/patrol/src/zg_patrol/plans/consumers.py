"""Kafka entrypoints of patrol: routing's case tasks (核实, 核查) become visits in the officers'
routes, and the case's next step settles them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.consumer import FOLLOWER_GATHER_MS, ConsumerSpec
from zg_common.contracts.routing import TOPIC_CASE as ROUTING_CASE
from zg_common.contracts.routing import CaseTaskRequested, CaseTransitioned
from zg_common.events import CloudEvent
from zg_patrol.plans.tasks import add_task, settle_tasks
from zg_patrol.runtime import PatrolRuntime


def consumers(runtime: PatrolRuntime) -> Sequence[ConsumerSpec]:
    async def requested(session: AsyncSession, event: CloudEvent) -> None:
        await add_task(session, CaseTaskRequested.parse(event), runtime.state.requirements)

    async def transitioned(session: AsyncSession, event: CloudEvent) -> None:
        await settle_tasks(session, CaseTransitioned.parse(event))

    return (
        ConsumerSpec(
            name="patrol.case-tasks",
            topics=(ROUTING_CASE,),
            handlers={
                CaseTaskRequested.event_type: requested,
                CaseTransitioned.event_type: transitioned,
            },
            gather_ms=FOLLOWER_GATHER_MS,  # a visit joins a route a moment after the request
        ),
    )
