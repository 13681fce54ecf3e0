"""Row rules of intake: who may read a case, its reporter's contact and its media originals."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from zg_common.authz import command_centre
from zg_common.identity import Identity
from zg_intake.models import Case, CaseFollower


def may_see_reporter(caller: Identity, case: Case) -> bool:
    """Privacy: the reporter's contact is for the reporter and the command centre only, never
    for departments, officers or partner systems."""
    return caller.role in command_centre() or (
        caller.role != "anonymous" and case.reporter_sub == caller.sub
    )


def may_read(caller: Identity, case: Case, *, follows: bool = False) -> bool:
    """Row rules: the command centre sees all; a resident their own reports; department staff
    and partner keys their departments' cases; officers their grids' cases; whoever reported a
    case sees it, and so does whoever follows it (`follows`: their duplicate report was merged
    into it)."""
    if caller.role in command_centre():
        return True
    if caller.role != "anonymous" and (case.reporter_sub == caller.sub or follows):
        return True
    if caller.role in ("department_staff", "partner"):
        return case.department_id is not None and case.department_id in caller.department_ids
    if caller.role == "officer":
        return case.grid_id is not None and case.grid_id in caller.grid_ids
    return False


def readable_cases(caller: Identity) -> ColumnElement[bool]:
    """`may_read` as a SQL condition, for lists: the same rules, applied by the database."""
    if caller.role in command_centre():
        return true()
    if caller.role == "anonymous":
        return false()
    own = or_(
        Case.reporter_sub == caller.sub,
        Case.id.in_(select(CaseFollower.case_id).where(CaseFollower.sub == caller.sub)),
    )
    if caller.role in ("department_staff", "partner") and caller.department_ids:
        return or_(own, Case.department_id.in_(caller.department_ids))
    if caller.role == "officer" and caller.grid_ids:
        return or_(own, Case.grid_id.in_(caller.grid_ids))
    return own
