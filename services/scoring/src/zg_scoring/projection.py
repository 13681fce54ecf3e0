"""Events into facts, facts into each case's timeline: the one batch handler of scoring's
consumer. Idempotent by construction (every fact is keyed by its event id; a case's timeline is
derived again from all of its facts), so it needs no processed-event record, and events count
by their own times in whatever order they arrive."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.intake import CaseMerged, CaseRated, CaseReported
from zg_common.contracts.intake import CaseSplit as CaseSplitEvent
from zg_common.contracts.routing import CaseDeadlineMoved, CaseTransitioned, DepartmentChanged
from zg_common.events import CloudEvent, EventContract
from zg_common.rows import driver
from zg_scoring import access_facts, bulk, patrol_facts, timeline
from zg_scoring.models import (
    CaseMerge,
    CaseMilestone,
    CaseRating,
    CaseReport,
    CaseReturn,
    CaseSplit,
    CaseStep,
    Department,
    Disposal,
    Hold,
)

CASE_CONTRACTS: tuple[type[EventContract], ...] = (
    CaseReported,
    CaseMerged,
    CaseSplitEvent,
    CaseRated,
    CaseTransitioned,
    CaseDeadlineMoved,
    DepartmentChanged,
)
CASE_EVENTS = frozenset(c.event_type for c in CASE_CONTRACTS)
# the event types scoring reads, and their contracts (the consumer's topics carry others; they
# are skipped)
CONTRACTS = {
    c.event_type: c for c in (*CASE_CONTRACTS, *patrol_facts.CONTRACTS, *access_facts.CONTRACTS)
}
CHUNK = 5000  # cases per derivation round


async def apply(
    session: AsyncSession, events: Sequence[CloudEvent], *, derive: bool = True
) -> set[str]:
    """Fold a batch of events (any order, any mix, redeliveries included); the cases whose
    steps it wrote. `derive=False` leaves their timelines to the caller (a replay derives each
    case once, after its last step, instead of once per batch that carries one of its steps)."""
    reports: dict[str, dict[str, Any]] = {}
    departments: dict[str, dict[str, Any]] = {}
    # a case's steps as tuples of STEP_ROW (the most numerous rows: no dict each)
    steps: dict[str, tuple[Any, ...]] = {}
    rows: dict[Any, dict[str, dict[str, Any]]] = {
        CaseMerge: {},
        CaseSplit: {},
        CaseRating: {},
    }
    for event in events:
        kind = event.type
        if kind not in CASE_EVENTS:
            continue
        if kind == CaseTransitioned.event_type:
            t = CaseTransitioned.parse(event)
            steps[event.id] = (
                event.id,
                t.case_id,
                t.at,
                t.action,
                t.to_status,
                t.department_id,
                t.from_department_id,
                t.due_at,
                t.actor_badge,
                t.stage_on_time,
            )
        elif kind == CaseDeadlineMoved.event_type:
            m = CaseDeadlineMoved.parse(event)
            steps[event.id] = (
                event.id,
                m.case_id,
                m.at,
                timeline.DEADLINE_MOVED,
                None,
                m.department_id,
                None,
                m.due_at,
                None,
                None,
            )
        elif kind == CaseReported.event_type:
            r = CaseReported.parse(event)
            row = {
                "case_id": r.case_id,
                "event_id": event.id,
                "number": r.number,
                "category": r.category,
                "grid_id": r.grid_id,
                "zone_type": r.zone_type,
                "source": r.source,
                "urgency": r.urgency,
                "reporter_badge": r.reporter_badge,
                "resolved_on_site": r.resolved_on_site,
                "reported_at": r.reported_at,
            }
            bulk.keep_newest(reports, r.case_id, row, "reported_at")
        elif kind == CaseMerged.event_type:
            g = CaseMerged.parse(event)
            rows[CaseMerge][event.id] = {
                "event_id": event.id,
                "case_id": g.case_id,
                "into_case_id": g.into_case_id,
                "source": g.source,
                "reporter_badge": g.reporter_badge,
                "merged_at": g.merged_at,
            }
        elif kind == CaseSplitEvent.event_type:
            p = CaseSplitEvent.parse(event)
            rows[CaseSplit][event.id] = {
                "event_id": event.id,
                "case_id": p.case_id,
                "from_case_id": p.from_case_id,
                "split_at": p.split_at,
            }
        elif kind == CaseRated.event_type:
            v = CaseRated.parse(event)
            rows[CaseRating][event.id] = {
                "event_id": event.id,
                "case_id": v.case_id,
                "department_id": v.department_id,
                "grid_id": v.grid_id,
                "score": v.score,
                "rated_at": v.rated_at,
            }
        elif kind == DepartmentChanged.event_type:
            d = DepartmentChanged.parse(event)
            department: dict[str, Any] = {
                "id": d.department_id,
                "name": d.name,
                "name_en": d.name_en,
                "mode": d.mode,
                "grid_ids": json.dumps(d.grid_ids),  # asyncpg takes JSONB as text
                "changed_at": d.at,
            }
            bulk.keep_newest(departments, d.department_id, department, "changed_at")

    for model in (CaseMerge, CaseSplit, CaseRating):
        await bulk.copy(
            session, model.__table__, list(rows[model].values()), on_conflict=bulk.NOTHING
        )
    await bulk.upsert_newest(session, CaseReport.__table__, list(reports.values()), "reported_at")
    await bulk.upsert_newest(
        session, Department.__table__, list(departments.values()), "changed_at"
    )
    await bulk.copy_records(
        session, CaseStep.__table__, STEP_ROW, list(steps.values()), on_conflict=bulk.NOTHING
    )
    cases = {step[1] for step in steps.values()}
    if derive and cases:  # a redelivered step derives its case again: the same rows
        await derive_cases(session, sorted(cases))
    await patrol_facts.apply(session, events)
    await access_facts.apply(session, events)
    return cases


STEP_ROW = (
    "event_id",
    "case_id",
    "at",
    "action",
    "to_status",
    "department_id",
    "from_department_id",
    "due_at",
    "actor_badge",
    "stage_on_time",
)
STEP_COLUMNS = "case_id, at, seq, action, to_status, department_id, from_department_id, due_at"


async def derive_cases(session: AsyncSession, case_ids: Sequence[str]) -> None:
    """Each case's timeline derived again from all its steps."""
    apg = await driver(session)
    for start in range(0, len(case_ids), CHUNK):
        ids = list(case_ids[start : start + CHUNK])
        # one deriving transaction at a time (a rebuild replays beside the live consumer): the
        # steps are read after the lock, so the later of two sees the other's steps (one lock,
        # not one per case: thousands of locks a transaction cost PostgreSQL more than the rows)
        await apg.execute("SELECT pg_advisory_xact_lock(hashtext('scoring.derive'))")
        # the lookups below are by case id; while tables grow fast (a replay) their statistics
        # lag and the planner would scan them whole: the indexes, always
        await apg.execute("SET LOCAL enable_seqscan = off")
        # in each case's order (PostgreSQL sorts them in C): a case's steps come together
        rows = await apg.fetch(
            f"SELECT {STEP_COLUMNS} FROM scoring.case_step WHERE case_id = ANY($1::text[]) "
            "ORDER BY case_id, at, seq",
            ids,
        )
        for model in DERIVED_ROWS:
            await apg.execute(
                f"DELETE FROM scoring.{model.__tablename__} WHERE case_id = ANY($1::text[])", ids
            )
        out: dict[Any, list[tuple[Any, ...]]] = {model: [] for model in DERIVED_ROWS}
        disposals, holds, returns = out[Disposal], out[Hold], out[CaseReturn]
        milestones = out[CaseMilestone]
        for case_id, case_rows in groupby(rows, key=itemgetter(0)):
            t = timeline.derive([timeline.Step._make(row[1:]) for row in case_rows], ordered=True)
            disposals += [(case_id, *d) for d in t.disposals]
            holds += [(case_id, *h) for h in t.holds]
            returns += [(case_id, *r) for r in t.returns]
            milestones.append((case_id, t.filed_at, t.closed_at, t.cancelled_at, t.self_handled_at))
        for model, records in out.items():
            await bulk.copy_records(session, model.__table__, DERIVED_ROWS[model], records)


# the derived tables and the columns a timeline fills in each (the named tuples' fields)
DERIVED_ROWS: dict[Any, tuple[str, ...]] = {
    Disposal: ("case_id", *timeline.Disposal._fields),
    Hold: ("case_id", *timeline.Hold._fields),
    CaseReturn: ("case_id", *timeline.Return._fields),
    CaseMilestone: ("case_id", "filed_at", "closed_at", "cancelled_at", "self_handled_at"),
}
