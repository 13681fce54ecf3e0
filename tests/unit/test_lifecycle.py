"""The lifecycle table: every transition with its roles and guards, every illegal one refused
with the state named, the counters of rework, return and extension."""

from __future__ import annotations

from typing import Any

import pytest

from zg_common.contracts.routing import CaseAction
from zg_common.errors import Forbidden, ValidationFailed
from zg_common.identity import Identity
from zg_routing.exceptions import IllegalTransition
from zg_routing.lifecycle import (
    OPEN,
    TERMINAL,
    TRANSITIONS,
    CaseState,
    actions_for,
    apply,
)

STATES = sorted(OPEN | TERMINAL)
DEPARTMENT = "roads-contractor"
GRID = "G03"

# one actor per role, entitled to the case (its department, its grid)
ACTORS = {
    "intake_operator": Identity(sub="op", role="intake_operator"),
    "dispatcher": Identity(sub="disp", role="dispatcher"),
    "shift_leader": Identity(sub="lead", role="shift_leader"),
    "department_staff": Identity(sub="dept", role="department_staff", department_ids=(DEPARTMENT,)),
    "officer": Identity(sub="ZG021", role="officer", grid_ids=(GRID,)),
    "partner": Identity(sub="key-12345", role="partner", department_ids=("command-centre",)),
    "resident": Identity(sub="res", role="resident"),
    "manager": Identity(sub="mgr", role="manager"),
}
PARAMS: dict[str, Any] = {
    "reason": "because",
    "department_id": DEPARTMENT,
    "hours": 8,
    "result": "cleaned",
    "close_type": "normal",
}


def case(status: str, source: str = "officer_handset", **extra: Any) -> CaseState:
    return CaseState(status=status, source=source, grid_id=GRID, department_id=DEPARTMENT, **extra)


def run(state: CaseState, *steps: tuple[str, str]) -> CaseState:
    for action, role in steps:
        state = apply(state, action, ACTORS[role], PARAMS).state
    return state


def test_a_residents_report_goes_round_the_closed_loop() -> None:
    state = CaseState(status="reported", source="resident_app", grid_id=GRID)
    with pytest.raises(IllegalTransition, match="verified it on site"):
        apply(state, "accept", ACTORS["intake_operator"])
    state = run(
        state,
        ("request_verification", "intake_operator"),
        ("confirm", "officer"),
        ("accept", "intake_operator"),
        ("file", "shift_leader"),
        ("dispatch", "dispatcher"),
        ("dispose", "department_staff"),
        ("request_check", "intake_operator"),
        ("pass_check", "officer"),
        ("close", "shift_leader"),
    )
    assert state.status == "closed" and state.verified and state.department_id == DEPARTMENT
    assert (state.reworks, state.returns, state.extensions) == (0, 0, 0)


def test_an_officers_report_is_accepted_without_verification() -> None:
    assert run(case("reported"), ("accept", "intake_operator")).status == "accepted"


def test_a_refuted_report_is_not_accepted() -> None:
    state = run(case("verifying", "resident_app"), ("refute", "officer"))
    assert state.status == "not_accepted"


def test_extension_return_hang_and_rework_are_counted() -> None:
    state = run(
        case("dispatched"),
        ("request_extension", "department_staff"),
        ("approve_extension", "dispatcher"),
        ("request_hang", "department_staff"),
        ("approve_hang", "shift_leader"),
        ("resume", "dispatcher"),
        ("dispose", "department_staff"),
        ("request_check", "intake_operator"),
        ("fail_check", "officer"),
        ("request_return", "department_staff"),
        ("approve_return", "dispatcher"),
    )
    assert state.status == "filed" and state.department_id is None
    assert (state.extensions, state.reworks, state.returns) == (1, 1, 1)
    redispatched = apply(state, "dispatch", ACTORS["dispatcher"], {"department_id": "greening"})
    assert redispatched.state.department_id == "greening"
    assert redispatched.transition.clock == "start"


def test_denied_requests_go_back_to_work() -> None:
    for request, deny in (
        ("request_extension", "deny_extension"),
        ("request_return", "deny_return"),
        ("request_hang", "deny_hang"),
    ):
        state = run(case("dispatched"), (request, "department_staff"), (deny, "dispatcher"))
        assert state.status == "dispatched"
        assert (state.extensions, state.returns) == (0, 0)


def test_hotline_cases_close_by_call_back() -> None:
    state = case("checked", "hotline_12345", verified=True)
    with pytest.raises(IllegalTransition, match="call-back"):
        apply(state, "close", ACTORS["shift_leader"], PARAMS)
    unhappy = run(
        state, ("request_callback", "intake_operator"), ("callback_unsatisfied", "partner")
    )
    assert unhappy.status == "dispatched" and unhappy.reworks == 1
    happy = run(state, ("request_callback", "intake_operator"), ("callback_satisfied", "partner"))
    assert happy.status == "closed"


def test_self_handled_reports_are_reviewed() -> None:
    assert run(case("self_handled"), ("approve_self_handled", "intake_operator")).status == "closed"
    rejected = run(case("self_handled"), ("reject_self_handled", "intake_operator"))
    assert rejected.status == "cancelled"


@pytest.mark.parametrize("status", sorted(OPEN))
def test_any_open_case_can_be_cancelled_by_the_shift_leader(status: str) -> None:
    outcome = apply(case(status), "cancel", ACTORS["shift_leader"], PARAMS)
    assert outcome.state.status == "cancelled"


@pytest.mark.parametrize("status", STATES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_action_from_every_state(status: str, action: CaseAction) -> None:
    """Allowed exactly from the states the table lists; otherwise 409 naming the state."""
    transition = TRANSITIONS[action]
    role = sorted(transition.roles)[0]
    state = case(status, "officer_handset", verified=True)
    if status in transition.sources:
        assert apply(state, action, ACTORS[role], PARAMS).state.status == transition.target
    else:
        with pytest.raises(IllegalTransition) as refused:
            apply(state, action, ACTORS[role], PARAMS)
        assert status in str(refused.value.detail)
        assert refused.value.status == 409


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_action_refuses_the_roles_it_does_not_list(action: CaseAction) -> None:
    transition = TRANSITIONS[action]
    state = case(sorted(transition.sources)[0], verified=True)
    for role, actor in ACTORS.items():
        if role in transition.roles:
            continue
        with pytest.raises(Forbidden):
            apply(state, action, actor, PARAMS)


def test_departments_and_officers_act_on_their_own_cases_only() -> None:
    other_department = Identity(sub="x", role="department_staff", department_ids=("greening",))
    with pytest.raises(Forbidden, match="your department"):
        apply(case("dispatched"), "dispose", other_department, PARAMS)
    other_grid = Identity(sub="ZG099", role="officer", grid_ids=("G14",))
    with pytest.raises(Forbidden, match="your grids"):
        apply(case("checking"), "pass_check", other_grid, PARAMS)


@pytest.mark.parametrize(
    ("status", "action", "params", "field"),
    [
        ("reported", "reject", {}, "reason"),
        ("filed", "dispatch", {}, "department_id"),
        ("dispatched", "request_extension", {"reason": "rain"}, "hours"),
        ("dispatched", "request_extension", {"reason": "rain", "hours": 0}, "hours"),
        ("dispatched", "request_extension", {"reason": "rain", "hours": "8"}, "hours"),
        ("dispatched", "dispose", {"result": ""}, "result"),
        ("checked", "close", {}, "close_type"),
        ("checked", "close", {"close_type": "whenever"}, "close_type"),
    ],
)
def test_missing_or_bad_parameters_are_named(
    status: str, action: str, params: dict[str, Any], field: str
) -> None:
    role = sorted(TRANSITIONS[CaseAction(action)].roles)[0]
    with pytest.raises(ValidationFailed) as refused:
        apply(case(status), action, ACTORS[role], params)
    assert [e.field for e in refused.value.errors] == [field]


def test_the_actions_a_role_may_take_now() -> None:
    assert actions_for(case("dispatched"), ACTORS["department_staff"]) == [
        "request_extension",
        "request_return",
        "request_hang",
        "dispose",
    ]
    assert actions_for(case("dispatched"), ACTORS["shift_leader"]) == ["cancel"]
    assert actions_for(case("closed"), ACTORS["shift_leader"]) == []
    assert actions_for(case("reported", "resident_app"), ACTORS["intake_operator"]) == [
        "request_verification",
        "reject",
    ]


def test_an_extended_limit_sums_its_extensions_in_a_text_of_fixed_size() -> None:
    from zg_routing.workflow import extended

    limit = "2 working_days"
    for _ in range(50):
        limit = extended(limit, 24)
    assert limit == "2 working_days + 1200 working_hours"
    assert (
        extended("4 working_hours + 1.5 working_hours", 2) == "4 working_hours + 3.5 working_hours"
    )
