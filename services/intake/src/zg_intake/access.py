"""Row rules of intake: who may read a case, its reporter's contact and its media originals."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select

from zg_common.authz import Scope, command_centre
from zg_common.identity import Identity
from zg_intake.models import Case, CaseFollower


def may_see_reporter(caller: Identity, case: Case) -> bool:
    """Privacy: the reporter's contact is for the reporter and the command centre only, never
    for departments, officers or partner systems."""
    return caller.role in command_centre() or (
        caller.role != "anonymous" and case.reporter_sub == caller.sub
    )


def may_read(caller: Identity, case: Case, *, follows: bool = False) -> bool:
    """Row rules: the caller's `Scope` (the command centre all; department staff and partner
    keys their departments' cases; officers their grids' cases; whoever reported a case), and
    whoever follows it (`follows`: their duplicate report was merged into it)."""
    scope = Scope.of(caller)
    if scope.sees(
        grid_id=case.grid_id, department_id=case.department_id, reporter=case.reporter_sub
    ):
        return True
    return follows and caller.role != "anonymous"


def readable_cases(caller: Identity) -> ColumnElement[bool]:
    """`may_read` as a SQL condition, for lists: the same rules, applied by the database."""
    scope = Scope.of(caller)
    if scope.everything or scope.reporter is None:
        return scope.where()
    follows = Case.id.in_(select(CaseFollower.case_id).where(CaseFollower.sub == caller.sub))
    in_scope = scope.where(
        grid=Case.grid_id, department=Case.department_id, reporter=Case.reporter_sub
    )
    return or_(in_scope, follows)
