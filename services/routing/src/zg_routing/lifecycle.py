"""The case lifecycle of the digital city management standard, as a table: which action of which
role takes a case from which state to which, with its guards (shared/reference/domain-digital-
city-management.md §1.2, §5b). Pure: `apply` decides and describes the effect on the clock and
the counters; the caller stores the result and publishes it.

verify (public and hotline reports) -> accept -> file -> dispatch -> dispose -> check -> close,
with extension, return and re-dispatch, hang (挂账) and resume, rework after a failed check, the
12345 call-back, cancellation, and the officer's self-handled path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from zg_common.authz import Scope
from zg_common.contracts.intake import Channel
from zg_common.contracts.routing import OPEN, TERMINAL, CaseStatus
from zg_common.contracts.routing import CaseAction as A
from zg_common.contracts.routing import CaseStatus as S
from zg_common.errors import FieldError, Forbidden, ValidationFailed
from zg_common.identity import Identity
from zg_routing.exceptions import IllegalTransition

__all__ = ["OPEN", "TERMINAL", "CaseState", "Outcome", "Transition", "actions_for", "apply"]

# channels whose reports an officer must verify on site before they are accepted (核实); a
# channel this version does not know is not among them (its reports go straight to the rules)
MUST_VERIFY: frozenset[str] = frozenset(
    {Channel.RESIDENT_APP, Channel.QR_SCAN, Channel.HOTLINE_12345}
)
HOTLINE = Channel.HOTLINE_12345
CLOSE_TYPES = ("normal", "overdue", "error", "special")  # 正常, 超时, 差错, 特殊结案

ClockEffect = Literal["start", "stop", "pause", "resume", "extend", "none"]


@dataclass(frozen=True)
class CaseState:
    """What the lifecycle needs to know of a case."""

    status: str
    source: str
    grid_id: str | None = None
    department_id: str | None = None
    verified: bool = False
    reworks: int = 0
    returns: int = 0
    extensions: int = 0


@dataclass(frozen=True)
class Transition:
    action: A
    sources: frozenset[CaseStatus]  # states it starts from
    target: CaseStatus
    roles: frozenset[str]
    requires: tuple[str, ...] = ()  # parameters that must be given
    clock: ClockEffect = "none"
    description: str = ""


@dataclass(frozen=True)
class Outcome:
    state: CaseState
    transition: Transition
    params: Mapping[str, Any] = field(default_factory=dict)


def _t(
    action: A,
    sources: CaseStatus | frozenset[CaseStatus] | set[CaseStatus],
    target: CaseStatus,
    roles: str,
    requires: tuple[str, ...] = (),
    clock: ClockEffect = "none",
    description: str = "",
) -> Transition:
    return Transition(
        action,
        frozenset({sources} if isinstance(sources, CaseStatus) else sources),
        target,
        frozenset(roles.split()),
        requires,
        clock,
        description,
    )


TRANSITIONS: dict[A, Transition] = {
    t.action: t
    for t in (
        _t(
            A.REQUEST_VERIFICATION,
            S.REPORTED,
            S.VERIFYING,
            "intake_operator",
            description="发核实: an officer of the grid checks on site that the problem exists",
        ),
        _t(
            A.CONFIRM,
            S.VERIFYING,
            S.REPORTED,
            "officer",
            description="核实: the problem exists (the report can be accepted)",
        ),
        _t(
            A.REFUTE,
            S.VERIFYING,
            S.NOT_ACCEPTED,
            "officer",
            ("reason",),
            description="核实: no such problem on site",
        ),
        _t(
            A.ACCEPT,
            S.REPORTED,
            S.ACCEPTED,
            "intake_operator",
            description="受理: a valid report, passed to the shift leader",
        ),
        _t(
            A.REJECT,
            S.REPORTED,
            S.NOT_ACCEPTED,
            "intake_operator",
            ("reason",),
            description="不予受理: invalid, out of scope",
        ),
        _t(A.FILE, S.ACCEPTED, S.FILED, "shift_leader", description="立案"),
        _t(
            A.DISPATCH,
            S.FILED,
            S.DISPATCHED,
            "dispatcher",
            ("department_id",),
            "start",
            description="派遣: the disposal clock starts",
        ),
        _t(
            A.REQUEST_EXTENSION,
            S.DISPATCHED,
            S.EXTENSION_PENDING,
            "department_staff",
            ("hours", "reason"),
            description="申请延时",
        ),
        _t(
            A.APPROVE_EXTENSION,
            S.EXTENSION_PENDING,
            S.DISPATCHED,
            "dispatcher shift_leader",
            clock="extend",
            description="延时审批: the deadline moves by the hours asked",
        ),
        _t(
            A.DENY_EXTENSION,
            S.EXTENSION_PENDING,
            S.DISPATCHED,
            "dispatcher shift_leader",
            ("reason",),
        ),
        _t(
            A.REQUEST_RETURN,
            S.DISPATCHED,
            S.RETURN_PENDING,
            "department_staff",
            ("reason",),
            description="申请回退: not this department's responsibility",
        ),
        _t(
            A.APPROVE_RETURN,
            S.RETURN_PENDING,
            S.FILED,
            "dispatcher",
            clock="stop",
            description="回退: back to the dispatcher for another department (改派)",
        ),
        _t(A.DENY_RETURN, S.RETURN_PENDING, S.DISPATCHED, "dispatcher", ("reason",)),
        _t(
            A.REQUEST_HANG,
            S.DISPATCHED,
            S.HANG_PENDING,
            "department_staff",
            ("reason",),
            description="申请挂账: waits for a season or for funds",
        ),
        _t(
            A.APPROVE_HANG,
            S.HANG_PENDING,
            S.HUNG,
            "dispatcher shift_leader",
            clock="pause",
            description="挂账: the clock stops",
        ),
        _t(A.DENY_HANG, S.HANG_PENDING, S.DISPATCHED, "dispatcher shift_leader", ("reason",)),
        _t(
            A.RESUME,
            S.HUNG,
            S.DISPATCHED,
            "dispatcher shift_leader",
            clock="resume",
            description="挂账恢复: the clock runs again",
        ),
        _t(
            A.DISPOSE,
            S.DISPATCHED,
            S.DISPOSED,
            "department_staff",
            ("result",),
            "stop",
            description="处置反馈: done, with the result and photos",
        ),
        _t(
            A.REQUEST_CHECK,
            S.DISPOSED,
            S.CHECKING,
            "intake_operator",
            description="发核查: an officer checks the fix on site",
        ),
        _t(A.PASS_CHECK, S.CHECKING, S.CHECKED, "officer", description="核查通过"),
        _t(
            A.FAIL_CHECK,
            S.CHECKING,
            S.DISPATCHED,
            "officer",
            ("reason",),
            "start",
            description="核查不通过: rework by the same department (返工)",
        ),
        _t(A.CLOSE, S.CHECKED, S.CLOSED, "shift_leader", ("close_type",), description="结案"),
        _t(
            A.REQUEST_CALLBACK,
            S.CHECKED,
            S.VISITING,
            "intake_operator",
            description="回访: the 12345 caller is asked whether it is fixed",
        ),
        _t(
            A.CALLBACK_SATISFIED,
            S.VISITING,
            S.CLOSED,
            "intake_operator partner",
            description="回访满意: closed",
        ),
        _t(
            A.CALLBACK_UNSATISFIED,
            S.VISITING,
            S.DISPATCHED,
            "intake_operator partner",
            ("reason",),
            "start",
            description="回访不满意: rework (重办)",
        ),
        _t(
            A.APPROVE_SELF_HANDLED,
            S.SELF_HANDLED,
            S.CLOSED,
            "intake_operator",
            description="自处理审核: valid, archived and closed",
        ),
        _t(
            A.REJECT_SELF_HANDLED,
            S.SELF_HANDLED,
            S.CANCELLED,
            "intake_operator",
            ("reason",),
            description="自处理审核: not valid",
        ),
        _t(A.CANCEL, OPEN, S.CANCELLED, "shift_leader", ("reason",), "stop", description="作废"),
    )
}


def actions_for(state: CaseState, actor: Identity) -> list[A]:
    """The actions this actor may take on the case now (for work queues and the app)."""
    allowed = []
    for name in TRANSITIONS:
        try:
            _check(TRANSITIONS[name], state, actor, params=None)
        except (IllegalTransition, Forbidden):
            continue
        allowed.append(name)
    return allowed


def apply(
    state: CaseState,
    action: str,
    actor: Identity | None,
    params: Mapping[str, Any] | None = None,
) -> Outcome:
    """The case after `action`, or the reason it cannot happen: 409 illegal_transition naming
    the state, 403 for a role or a department/grid that is not the actor's, 422 for a missing
    or bad parameter. `actor` None is the platform itself (automatic accept, file and dispatch
    by the rules): the state guards hold for it, the role guards do not."""
    transition = TRANSITIONS.get(A(action)) if action in A.values() else None
    if transition is None:
        raise ValidationFailed(
            f"Unknown action {action!r}",
            errors=[FieldError(field="action", code="unknown_action", message=action)],
        )
    given = dict(params or {})
    _check(transition, state, actor, params=given)
    changes: dict[str, Any] = {"status": transition.target}
    if action == A.CONFIRM:
        changes["verified"] = True
    elif action == A.DISPATCH:
        changes["department_id"] = given["department_id"]
    elif action == A.APPROVE_EXTENSION:
        changes["extensions"] = state.extensions + 1
    elif action == A.APPROVE_RETURN:
        changes["returns"] = state.returns + 1
        changes["department_id"] = None
    elif action in (A.FAIL_CHECK, A.CALLBACK_UNSATISFIED):
        changes["reworks"] = state.reworks + 1
    return Outcome(replace(state, **changes), transition, given)


def _check(
    transition: Transition,
    state: CaseState,
    actor: Identity | None,
    *,
    params: dict[str, Any] | None,
) -> None:
    if state.status not in transition.sources:
        raise IllegalTransition(
            f"A case that is {state.status} cannot be {transition.action}: "
            f"it must be {' or '.join(sorted(transition.sources))}"
        )
    if actor is not None:
        _check_actor(transition, state, actor)
    _check_rules(transition, state, params)


def _check_actor(transition: Transition, state: CaseState, actor: Identity) -> None:
    if actor.role not in transition.roles:
        raise Forbidden(
            f"{transition.action} is for {', '.join(sorted(transition.roles))}",
            code="action_forbidden",
        )
    # department staff act on their departments' cases, officers on their grids' (an officer
    # with no grids on none): the `Scope` every service reads cases with
    scope = Scope.of(actor)
    if actor.role == "department_staff" and not scope.sees(department_id=state.department_id):
        raise Forbidden("The case is not dispatched to your department", code="action_forbidden")
    if actor.role == "officer" and not scope.sees(grid_id=state.grid_id):
        raise Forbidden("The case is not in your grids", code="action_forbidden")


def _check_rules(transition: Transition, state: CaseState, params: dict[str, Any] | None) -> None:
    if transition.action == A.ACCEPT and state.source in MUST_VERIFY and not state.verified:
        raise IllegalTransition(
            f"A report through {state.source} is accepted after an officer verified it on site"
        )
    if transition.action == A.CLOSE and state.source == HOTLINE:
        raise IllegalTransition("A 12345 case is closed by its call-back (request_callback)")
    if params is None:  # only asking which actions are possible
        return
    missing = [p for p in transition.requires if params.get(p) in (None, "")]
    if missing:
        raise ValidationFailed(
            f"{transition.action} needs {', '.join(missing)}",
            errors=[FieldError(field=p, code="missing", message="required") for p in missing],
        )
    if transition.action == A.CLOSE and params["close_type"] not in CLOSE_TYPES:
        raise ValidationFailed(
            f"close_type is one of {', '.join(CLOSE_TYPES)}",
            errors=[FieldError(field="close_type", code="invalid", message="unknown close type")],
        )
    if transition.action == A.REQUEST_EXTENSION:
        hours = params["hours"]
        if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 < hours <= 720:
            raise ValidationFailed(
                "hours is a number of working hours, 0 to 720",
                errors=[FieldError(field="hours", code="invalid", message="0 < hours <= 720")],
            )
