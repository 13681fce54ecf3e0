"""The live feed of the operators' map (一张图): which events it relays and who sees each.

The gateway relays these events over Server-Sent Events (`GET /api/v1/ops/stream`). A viewer
receives an event only when the REST API would show them the same thing: the role must be
allowed the operation that reads it, and a row-scoped event must fall in the viewer's `Scope`
(a department sees its cases' events, an officer their grids', the command centre all).
The AsyncAPI document says which topics feed it, from this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zg_common.authz import Scope, policy
from zg_common.contracts import access, intake, lighting, patrol, routing, video_index
from zg_common.events import EventContract
from zg_common.identity import Identity

STREAM_PATH = "/api/v1/ops/stream"
STREAM_OPERATION = "ops.stream"


@dataclass(frozen=True)
class FeedEntry:
    """One relayed event type: the operation whose roles may see it and the payload fields
    that place it for the `Scope` (none: the registry is not row-scoped, as in its REST API)."""

    contract: type[EventContract]
    operation: str
    grid: str | None = "grid_id"
    departments: tuple[str, ...] = ()

    @property
    def scoped(self) -> bool:
        return self.grid is not None or bool(self.departments)


_CASE = ("department_id",)
LIVE_FEED: tuple[FeedEntry, ...] = (
    FeedEntry(intake.CaseReported, "cases.read"),
    FeedEntry(routing.CaseDispatched, "cases.read", departments=_CASE),
    # the department a case leaves sees the step that takes it away
    FeedEntry(routing.CaseTransitioned, "cases.read", departments=(*_CASE, "from_department_id")),
    FeedEntry(routing.CaseDeadlineApproached, "cases.read", departments=_CASE),
    FeedEntry(routing.CaseOverdue, "cases.read", departments=_CASE),
    FeedEntry(routing.CaseStageOverdue, "cases.read"),
    FeedEntry(routing.CaseDeadlineMoved, "cases.read", departments=_CASE),
    FeedEntry(patrol.OfficerPositionReported, "patrol.live"),
    FeedEntry(patrol.CheckinRecorded, "patrol.live"),
    FeedEntry(patrol.VisitMissed, "patrol.plan_read"),
    FeedEntry(patrol.OfficerTasksAssigned, "patrol.plan_read"),
    FeedEntry(video_index.CameraStatusChanged, "cameras.read", grid=None),
    FeedEntry(video_index.CameraAlarmRaised, "cameras.read", grid=None),
    # the street lights and the compounds: not row-scoped, as in their REST APIs
    FeedEntry(lighting.FaultRaised, "lighting.read", grid=None),
    FeedEntry(lighting.FaultCleared, "lighting.read", grid=None),
    FeedEntry(access.OccupancyChanged, "access.compounds.read", grid=None),
    FeedEntry(access.GateStatusChanged, "access.compounds.read", grid=None),
)
FEED_BY_TYPE: Mapping[str, FeedEntry] = {e.contract.event_type: e for e in LIVE_FEED}
FEED_TOPICS: tuple[str, ...] = tuple(sorted({e.contract.topic for e in LIVE_FEED}))


class Viewer:
    """Who watches a stream: what the policy and their `Scope` let them see, decided once."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.scope = Scope.of(identity)
        rules = policy()
        self.allowed = frozenset(
            t for t, e in FEED_BY_TYPE.items() if rules.allows(identity, e.operation)
        )

    def sees(self, event_type: str, data: Mapping[str, Any]) -> bool:
        if event_type not in self.allowed:
            return False
        entry = FEED_BY_TYPE[event_type]
        if not entry.scoped or self.scope.everything:
            return True
        grid = data.get(entry.grid) if entry.grid else None
        if grid is not None and self.scope.sees(grid_id=grid):
            return True
        return any(self.scope.sees(department_id=data.get(f)) for f in entry.departments)
