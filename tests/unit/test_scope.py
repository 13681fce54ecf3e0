"""One rule for "who may see which case": `zg_common.authz.Scope`, for every role, in Python and
as SQL (evaluated by SQLite here, so the two are compared row by row)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select

from zg_common.authz import Scope, command_centre
from zg_common.errors import Forbidden
from zg_common.identity import ROLES, Identity
from zg_routing import lifecycle
from zg_routing.lifecycle import CaseState

things = Table(
    "thing",
    MetaData(),
    Column("id", String, primary_key=True),
    Column("grid", String),
    Column("department", String),
    Column("reporter", String),
)
GRIDS, DEPARTMENTS, REPORTERS = ("G01", "G02", None), ("D1", "D2", None), ("me", "them", None)
ROWS = [
    {"id": f"t{i}", "grid": g, "department": d, "reporter": r}
    for i, (g, d, r) in enumerate(itertools.product(GRIDS, DEPARTMENTS, REPORTERS))
]


def identity(
    role: str, *, grids: tuple[str, ...] = (), departments: tuple[str, ...] = ()
) -> Identity:
    sub = "anonymous" if role == "anonymous" else "me"
    return Identity.model_validate(
        {"sub": sub, "role": role, "grid_ids": grids, "department_ids": departments}
    )


CALLERS = [
    identity(role, grids=grids, departments=departments)
    for role in sorted(ROLES)
    for grids, departments in (((), ()), (("G01",), ("D1",)))
]


def visible_in_python(scope: Scope) -> set[str | None]:
    return {
        row["id"]
        for row in ROWS
        if scope.sees(
            grid_id=row["grid"], department_id=row["department"], reporter=row["reporter"]
        )
    }


def visible_in_sql(scope: Scope) -> set[str | None]:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        things.create(conn)
        conn.execute(insert(things), ROWS)
        condition = scope.where(
            grid=things.c.grid, department=things.c.department, reporter=things.c.reporter
        )
        return set(conn.scalars(select(things.c.id).where(condition)))


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: f"{c.role}-{len(c.grid_ids)}")
def test_the_rule_is_the_same_in_python_and_sql(caller: Identity) -> None:
    scope = Scope.of(caller)
    assert visible_in_python(scope) == visible_in_sql(scope)


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: f"{c.role}-{len(c.grid_ids)}")
def test_what_each_role_sees(caller: Identity) -> None:
    seen = [r for r in ROWS if r["id"] in visible_in_python(Scope.of(caller))]
    if caller.role in command_centre():
        assert len(seen) == len(ROWS)
        return
    expected_dimension = {
        "officer": "grid",
        "department_staff": "department",
        "partner": "department",
    }.get(caller.role)
    for row in seen:
        own = caller.role != "anonymous" and row["reporter"] == caller.sub
        by_claim = expected_dimension is not None and row[expected_dimension] in (
            caller.grid_ids if expected_dimension == "grid" else caller.department_ids
        )
        assert own or by_claim, (caller.role, row)
    if caller.role == "anonymous":
        assert seen == []
    else:  # everyone signed in sees what they reported, wherever it is
        assert {r["id"] for r in ROWS if r["reporter"] == "me"} <= {r["id"] for r in seen}


@pytest.mark.parametrize("role", ["officer", "department_staff", "partner", "resident"])
def test_empty_claims_see_nothing_but_their_own_reports(role: str) -> None:
    """An officer with no grids sees no grid (routing once read that as every grid)."""
    seen = visible_in_sql(Scope.of(identity(role)))
    assert seen == {r["id"] for r in ROWS if r["reporter"] == "me"}


def test_an_officer_without_grids_cannot_act_on_a_case() -> None:
    state = CaseState(status="verifying", source="resident_app", grid_id="G01")
    with pytest.raises(Forbidden):
        lifecycle.apply(state, "refute", identity("officer"), {"reason": "nothing there"})
    outcome = lifecycle.apply(
        state, "refute", identity("officer", grids=("G01",)), {"reason": "nothing there"}
    )
    assert outcome.state.status == "not_accepted"
