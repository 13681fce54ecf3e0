"""Row rules of intake: who may read a case, its reporter's contact and its media originals."""

from __future__ import annotations

from zg_common.identity import Identity
from zg_intake.models import Case

SEES_EVERY_CASE = frozenset({"intake_operator", "dispatcher", "shift_leader", "manager", "admin"})


def may_see_reporter(caller: Identity, case: Case) -> bool:
    """Privacy: the reporter's contact is for the reporter and the command centre only, never
    for departments, officers or partner systems."""
    return caller.role in SEES_EVERY_CASE or (
        caller.role != "anonymous" and case.reporter_sub == caller.sub
    )


def may_read(caller: Identity, case: Case) -> bool:
    """Row rules: the command centre sees all; a resident their own reports; department staff
    and partner keys their departments' cases; officers their grids' cases; and whoever
    reported a case sees it."""
    if caller.role in SEES_EVERY_CASE:
        return True
    if caller.role != "anonymous" and case.reporter_sub == caller.sub:
        return True
    if caller.role in ("department_staff", "partner"):
        return case.department_id is not None and case.department_id in caller.department_ids
    if caller.role == "officer":
        return case.grid_id is not None and case.grid_id in caller.grid_ids
    return False
