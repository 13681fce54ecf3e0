"""Patrol's events into scoring's facts: the territory (grids with their areas, officers),
who was on which shift where, the visits planned, the check-ins, the missed visits and the
residents' point ratings. Keyed by event id or by a version (the newest wins), so applying an
event twice, or an older one after a newer, changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common import territory
from zg_common.contracts.patrol import (
    CheckinRecorded,
    GridState,
    OfficerState,
    OfficerTasksAssigned,
    PointRated,
    TerritoryChanged,
    VisitMissed,
)
from zg_common.events import CloudEvent, EventContract
from zg_common.refdata import RefData
from zg_scoring import bulk
from zg_scoring.models import (
    Checkin,
    Grid,
    Officer,
    PlannedVisit,
    PointRating,
    ShiftAssignment,
)
from zg_scoring.models import VisitMissed as VisitMissedRow

CONTRACTS: tuple[type[EventContract], ...] = (
    TerritoryChanged,
    OfficerTasksAssigned,
    CheckinRecorded,
    VisitMissed,
    PointRated,
)
# the visits patrol completion counts (verify and check tasks are answered by the case's action)
PATROL_KINDS = frozenset({"patrol", "makeup"})


def grid_row(g: GridState, at: datetime | None) -> dict[str, Any]:
    return {
        "id": g.id,
        "code": g.code,
        "name": g.name,
        "name_en": g.name_en,
        "zone_type": g.zone_type,
        "area_m2": g.area_m2,
        "changed_at": at,
    }


def officer_row(o: OfficerState, at: datetime | None) -> dict[str, Any]:
    return {
        "id": o.badge,
        "name": o.name,
        "grid_id": o.grid_id,
        "shift": o.shift,
        "retired": o.retired,
        "changed_at": at,
    }


async def load_data_set(session: AsyncSession, data: RefData) -> None:
    """A data-set version's grids and officers, but for what patrol's events changed."""
    await territory.load_from_data_set(
        session, Grid, [grid_row(g, None) for g in territory.read_grids(data)]
    )
    officers = [
        officer_row(OfficerState(**{**o, "retired": False}), None)
        for o in data.read("officers.json")
    ]
    await territory.load_from_data_set(session, Officer, officers)


async def apply(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    simple: dict[Any, dict[str, dict[str, Any]]] = {
        Checkin: {},
        VisitMissedRow: {},
        PointRating: {},
    }
    newest: dict[Any, dict[Any, dict[str, Any]]] = {
        Grid: {}, Officer: {}, ShiftAssignment: {}, PlannedVisit: {},
    }  # fmt: skip

    def keep(model: Any, key: Any, row: dict[str, Any], order: str) -> None:
        bulk.keep_newest(newest[model], key, row, order)

    for event in events:
        kind = event.type
        if kind == TerritoryChanged.event_type:
            change = TerritoryChanged.parse(event)
            if change.grid is not None:
                keep(Grid, change.grid.id, grid_row(change.grid, change.at), "changed_at")
            if change.officer is not None:
                row = officer_row(change.officer, change.at)
                keep(Officer, row["id"], row, "changed_at")
        elif kind == OfficerTasksAssigned.event_type:
            tasks = OfficerTasksAssigned.parse(event)
            assignment = {
                "day": tasks.day,
                "shift": tasks.shift,
                "badge": tasks.badge,
                "grid_id": tasks.grid_id,
                "shift_start": tasks.shift_start,
                "shift_end": tasks.shift_end,
                "version": tasks.version,
            }
            keep(ShiftAssignment, (tasks.day, tasks.shift, tasks.badge), assignment, "version")
            for v in tasks.visits:
                if v.kind in PATROL_KINDS:
                    visit = {
                        "visit_id": v.visit_id,
                        "kind": v.kind,
                        "badge": tasks.badge,
                        "grid_id": tasks.grid_id,
                        "point_id": v.point_id,
                        "window_start": v.window_start,
                        "window_end": v.window_end,
                        "version": tasks.version,
                    }
                    keep(PlannedVisit, v.visit_id, visit, "version")
        elif kind == CheckinRecorded.event_type:
            c = CheckinRecorded.parse(event)
            simple[Checkin][event.id] = {
                "event_id": event.id,
                "outcome": c.outcome,
                "badge": c.badge,
                "grid_id": c.grid_id,
                "point_id": c.point_id,
                "visit_id": c.visit_id,
                "at": c.at,
            }
        elif kind == VisitMissed.event_type:
            m = VisitMissed.parse(event)
            simple[VisitMissedRow][event.id] = {
                "event_id": event.id,
                "visit_id": m.visit_id,
                "grid_id": m.grid_id,
                "point_id": m.point_id,
                "badge": m.officer_badge,
                "window_end": m.window_end,
                "at": m.at,
            }
        elif kind == PointRated.event_type:
            r = PointRated.parse(event)
            simple[PointRating][event.id] = {
                "event_id": event.id,
                "point_id": r.point_id,
                "grid_id": r.grid_id,
                "score": r.score,
                "at": r.at,
            }
    for model, rows in simple.items():
        await bulk.copy(session, model.__table__, list(rows.values()), on_conflict=bulk.NOTHING)
    for model in (Grid, Officer):
        await territory.apply_newer_all(session, model.__table__, list(newest[model].values()))
    # who is on which shift where (the newest plan run's version), and the patrol visits any
    # run assigned (each visit's newest assignment)
    for model in (ShiftAssignment, PlannedVisit):
        await bulk.upsert_newest(session, model.__table__, list(newest[model].values()), "version")
