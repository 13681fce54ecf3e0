"""Cases of devices that tell when they are fixed (street lights): when the lighting service
publishes that a fault's circuit or pole reports healthy again, the system passes the case's
check (核查) — no officer visit — and closes it, once the department has disposed of it; if
the department has not yet, the case waits for its disposal and is checked then. A clearance
that comes before its case (different topics) is kept until the case arrives. A case whose
device does not report healthy is checked by an officer as usual."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.intake import CaseReported, Channel
from zg_common.contracts.lighting import LIGHTING_SYSTEM, FaultCleared
from zg_common.contracts.routing import TERMINAL, CaseAction, CaseStatus
from zg_common.events import CloudEvent
from zg_routing import workflow
from zg_routing.calendar import Clock
from zg_routing.models import DeviceClearance, TrackedCase
from zg_routing.rulebook import Rulebook

DEVICE_SYSTEMS = frozenset({LIGHTING_SYSTEM})
HEALTHY = "the device reports healthy again (checked by the system)"


def device_ref(report: CaseReported) -> str | None:
    """The device fault a reported case is for, if it came through the device channel."""
    if (
        Channel.read(report.source) != Channel.DEVICE
        or report.external_system not in DEVICE_SYSTEMS
    ):
        return None
    return f"{report.external_system}:{report.external_id}"


async def take_earlier_clearance(session: AsyncSession, tracked: TrackedCase) -> None:
    """A newly tracked device case whose device already reported healthy."""
    if tracked.device_ref is None:
        return
    earlier = await session.get(DeviceClearance, tracked.device_ref)
    if earlier is not None:
        tracked.device_healthy_at = earlier.cleared_at


async def device_healthy(
    session: AsyncSession, event: CloudEvent, *, clock: Clock, rulebook: Rulebook
) -> None:
    """Consumer of `lighting.fault.cleared.v1`."""
    cleared = FaultCleared.parse(event)
    ref = f"{LIGHTING_SYSTEM}:{cleared.fault_id}"
    tracked = await session.scalar(
        select(TrackedCase).where(TrackedCase.device_ref == ref).with_for_update()
    )
    if tracked is None:  # its case is not here yet, or it was merged into another
        await session.execute(
            pg_insert(DeviceClearance)
            .values(device_ref=ref, cleared_at=cleared.cleared_at)
            .on_conflict_do_nothing()
        )
        return
    tracked.device_healthy_at = cleared.cleared_at
    await settle(session, tracked, clock=clock, rulebook=rulebook, now=datetime.now(UTC))


async def settle(
    session: AsyncSession, tracked: TrackedCase, *, clock: Clock, rulebook: Rulebook, now: datetime
) -> None:
    """Pass the check and close, if the device is healthy and the case is disposed of (or
    already waiting for its check)."""
    if tracked.device_healthy_at is None or tracked.status in TERMINAL:
        return
    steps: list[tuple[CaseAction, dict[str, object]]] = []
    if tracked.status == CaseStatus.DISPOSED:
        steps.append((CaseAction.REQUEST_CHECK, {"reason": HEALTHY, "by_device": True}))
    if tracked.status in (CaseStatus.DISPOSED, CaseStatus.CHECKING):
        steps.append((CaseAction.PASS_CHECK, {"verification": HEALTHY}))
        close_type = "overdue" if tracked.overdue_at is not None else "normal"
        steps.append((CaseAction.CLOSE, {"close_type": close_type, "reason": HEALTHY}))
    for action, params in steps:
        await workflow.act(
            session, tracked, action, None, dict(params), clock=clock, rulebook=rulebook, now=now
        )
