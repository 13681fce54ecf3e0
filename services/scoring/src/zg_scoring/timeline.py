"""A case's lifecycle steps, in the order they happened, turned into what the department
indicators count (pure; no database).

The steps are sorted by their own time (`at`), ties by the order they arrived in (one case's
steps come from one partition, in order), so a step that arrives late counts as if it had come
in time. From them:

- **disposals**: each `dispose`, with the deadline it carried, when a failed check or an
  unsatisfied call-back undid it (返工), whether the department had been sent back before it
  (a rework), and when the case was closed after it;
- **holds**: the spans in which a department held the case awaiting (re)disposal, split
  wherever its deadline changed or it was hung (挂账, the clock paused);
- **returns**: approved returns (回退), for the department that gave the case back;
- the case's **milestones**: filed, closed, cancelled, self-handled approved.

A span is `[from_at, to_at)`; `to_at` None: still so. The state "at the end of a period" is the
state after every step before the period's end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

from zg_common.contracts.routing import CaseAction as A
from zg_common.contracts.routing import CaseStatus as S

DEADLINE_MOVED = "deadline_moved"  # not a lifecycle action: routing recounted the deadline

# statuses in which the department holds the case and owes its disposal (a pending request of
# extension, return or hang does not stop its clock); hung: held, the clock paused
AWAITING = frozenset({S.DISPATCHED, S.EXTENSION_PENDING, S.RETURN_PENDING, S.HANG_PENDING})
HUNG = frozenset({S.HUNG})
UNDO = frozenset({A.FAIL_CHECK, A.CALLBACK_UNSATISFIED})
CLOSING = frozenset({A.CLOSE, A.CALLBACK_SATISFIED, A.APPROVE_SELF_HANDLED})


# named tuples, not dataclasses: a replay makes millions (a frozen dataclass costs several
# times as much to create)
class Step(NamedTuple):
    at: datetime
    seq: int  # arrival order, for steps of the same moment
    action: str
    to_status: str | None = None
    department_id: str | None = None
    from_department_id: str | None = None
    due_at: datetime | None = None


class Disposal(NamedTuple):
    department_id: str
    at: datetime
    due_at: datetime | None
    undone_at: datetime | None  # a failed check or an unsatisfied call-back after it
    rework: bool  # the department had been sent back on this case before
    closed_at: datetime | None  # the case closed after it (never when undone first)
    extended_at: datetime | None  # the department's first approved extension on the case


class Hold(NamedTuple):
    department_id: str
    from_at: datetime
    to_at: datetime | None
    due_at: datetime | None
    hung: bool
    extended_at: datetime | None


class Return(NamedTuple):
    department_id: str
    at: datetime


@dataclass
class Timeline:
    disposals: list[Disposal] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    returns: list[Return] = field(default_factory=list)
    filed_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    self_handled_at: datetime | None = None


_WHEN = attrgetter("at", "seq")


def derive(steps: Iterable[Step], *, ordered: bool = False) -> Timeline:
    """The timeline of a case's steps; `ordered`: they are in (at, seq) order already."""
    out = Timeline()
    department: str | None = None
    status: str | None = None
    due: datetime | None = None
    extended: dict[str, datetime] = {}
    sent_back: set[str] = set()
    # the open hold: (department, from, due, hung)
    hold: tuple[str, datetime, datetime | None, bool] | None = None

    for step in steps if ordered else sorted(steps, key=_WHEN):
        if step.action == DEADLINE_MOVED:
            due = step.due_at
        else:
            status, department, due = step.to_status, step.department_id, step.due_at
            _milestone(out, step, extended, sent_back)
        held = department is not None and (status in AWAITING or status in HUNG)
        now = (department, due, status in HUNG) if held else None
        if hold is not None and (now is None or now != (hold[0], hold[2], hold[3])):
            out.holds.append(Hold(hold[0], hold[1], step.at, hold[2], hold[3], None))
            hold = None
        if hold is None and now is not None:
            assert department is not None
            hold = (department, step.at, due, now[2])
    if hold is not None:
        out.holds.append(Hold(hold[0], hold[1], None, hold[2], hold[3], None))

    if extended:
        out.holds = [h._replace(extended_at=extended.get(h.department_id)) for h in out.holds]
    closed = out.closed_at
    if extended or closed is not None:
        out.disposals = [
            d._replace(
                extended_at=extended.get(d.department_id),
                closed_at=closed
                if closed is not None
                and closed >= d.at
                and (d.undone_at is None or d.undone_at > closed)
                else None,
            )
            for d in out.disposals
        ]
    return out


def _milestone(
    out: Timeline, step: Step, extended: dict[str, datetime], sent_back: set[str]
) -> None:
    action = step.action
    if action == A.DISPOSE and step.department_id is not None:
        out.disposals.append(
            Disposal(
                department_id=step.department_id,
                at=step.at,
                due_at=step.due_at,
                undone_at=None,
                rework=step.department_id in sent_back,
                closed_at=None,
                extended_at=None,
            )
        )
    elif action in UNDO:
        if out.disposals and out.disposals[-1].undone_at is None:
            out.disposals[-1] = out.disposals[-1]._replace(undone_at=step.at)
        if step.department_id is not None:
            sent_back.add(step.department_id)
    elif action == A.APPROVE_EXTENSION and step.department_id is not None:
        extended.setdefault(step.department_id, step.at)
    elif action == A.APPROVE_RETURN:
        returned_by = step.from_department_id
        if returned_by is not None:
            out.returns.append(Return(returned_by, step.at))
    elif action == A.FILE and out.filed_at is None:
        out.filed_at = step.at
    elif action == A.CANCEL and out.cancelled_at is None:
        out.cancelled_at = step.at
    if action in CLOSING and out.closed_at is None:
        out.closed_at = step.at
    if action == A.APPROVE_SELF_HANDLED and out.self_handled_at is None:
        out.self_handled_at = step.at
