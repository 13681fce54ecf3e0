"""Kafka entrypoints of routing: every reported case is dispatched; the copy of patrol's grids
follows patrol."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.consumer import ConsumerSpec
from zg_common.contracts.intake import TOPIC_CASE as INTAKE_CASE
from zg_common.contracts.intake import CaseReported
from zg_common.contracts.patrol import TOPIC_TERRITORY, TerritoryChanged
from zg_common.db import after_commit
from zg_common.events import CloudEvent
from zg_common.territory import Rebuilds
from zg_routing import service, territory_copy
from zg_routing.runtime import RoutingRuntime


def consumers(runtime: RoutingRuntime) -> Sequence[ConsumerSpec]:
    grids = runtime.state.grids
    rebuilds = Rebuilds(runtime.sessions, lambda s: territory_copy.rebuild(s, grids))

    async def territory_changed(session: AsyncSession, event: CloudEvent) -> None:
        if await territory_copy.apply_change(session, TerritoryChanged.parse(event)):
            after_commit(session, rebuilds.request)

    return (
        ConsumerSpec(
            name="routing.territory",
            topics=(TOPIC_TERRITORY,),
            handlers={TerritoryChanged.event_type: territory_changed},
        ),
        ConsumerSpec(
            name="routing.dispatch",
            topics=(INTAKE_CASE,),
            handlers={
                CaseReported.event_type: partial(
                    service.dispatch_reported_case,
                    grids=runtime.state.grids,
                    clock=runtime.state.clock,
                    verify_public_reports=runtime.settings.verify_public_reports,
                    auto_dispatch=runtime.settings.auto_dispatch,
                )
            },
        ),
    )
