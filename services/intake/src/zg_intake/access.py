"""Row rules of intake: who may read a case, its reporter's contact and its media originals."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from zg_common.authz import Scope, command_centre
from zg_common.identity import Identity
from zg_intake.models import Case


def may_see_reporter(caller: Identity, case: Case) -> bool:
    """Privacy: the reporter's contact is for the reporter and the command centre only, never
    for departments, officers or partner systems."""
    return caller.role in command_centre() or (
        caller.role != "anonymous" and case.reporter_sub == caller.sub
    )


def may_read(caller: Identity, case: Case) -> bool:
    """Row rules: the caller's `Scope` (the command centre all; department staff and partner
    keys their departments' cases; officers their grids' cases; whoever reported a case).

    Following is not reading: whoever's duplicate report was merged into a case sees only
    its public status and plain-words history, through their own report (`following`), never
    the case itself — a report with a public case's category and place (both public through
    Open311) would otherwise open its details, media, notes and webhooks to anyone."""
    scope = Scope.of(caller)
    return scope.sees(
        grid_id=case.grid_id, department_id=case.department_id, reporter=case.reporter_sub
    )


def readable_cases(caller: Identity) -> ColumnElement[bool]:
    """`may_read` as a SQL condition, for lists: the same rules, applied by the database."""
    return Scope.of(caller).where(
        grid=Case.grid_id, department=Case.department_id, reporter=Case.reporter_sub
    )
