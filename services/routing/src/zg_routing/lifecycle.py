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

from zg_common.errors import Conflict, FieldError, Forbidden, ValidationFailed
from zg_common.identity import Identity

# sources whose reports an officer must verify on site before they are accepted (核实)
MUST_VERIFY = frozenset({"resident_app", "qr_scan", "hotline_12345"})
HOTLINE = "hotline_12345"
TERMINAL = frozenset({"closed", "cancelled", "not_accepted"})
CLOSE_TYPES = ("normal", "overdue", "error", "special")  # 正常, 超时, 差错, 特殊结案

ClockEffect = Literal["start", "stop", "pause", "resume", "extend", "none"]


class IllegalTransition(Conflict):
    code = "illegal_transition"
    title = "The case's state does not allow this action"


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
    action: str
    sources: frozenset[str]  # states it starts from
    target: str
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
    action: str,
    sources: str,
    target: str,
    roles: str,
    requires: tuple[str, ...] = (),
    clock: ClockEffect = "none",
    description: str = "",
) -> Transition:
    return Transition(
        action,
        frozenset(sources.split()),
        target,
        frozenset(roles.split()),
        requires,
        clock,
        description,
    )


OPEN = (
    "reported verifying accepted filed dispatched extension_pending return_pending "
    "hang_pending hung disposed checking checked visiting self_handled"
)

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t(
            "request_verification",
            "reported",
            "verifying",
            "intake_operator",
            description="发核实: an officer of the grid checks on site that the problem exists",
        ),
        _t(
            "confirm",
            "verifying",
            "reported",
            "officer",
            description="核实: the problem exists (the report can be accepted)",
        ),
        _t(
            "refute",
            "verifying",
            "not_accepted",
            "officer",
            ("reason",),
            description="核实: no such problem on site",
        ),
        _t(
            "accept",
            "reported",
            "accepted",
            "intake_operator",
            description="受理: a valid report, passed to the shift leader",
        ),
        _t(
            "reject",
            "reported",
            "not_accepted",
            "intake_operator",
            ("reason",),
            description="不予受理: invalid, out of scope",
        ),
        _t("file", "accepted", "filed", "shift_leader", description="立案"),
        _t(
            "dispatch",
            "filed",
            "dispatched",
            "dispatcher",
            ("department_id",),
            "start",
            description="派遣: the disposal clock starts",
        ),
        _t(
            "request_extension",
            "dispatched",
            "extension_pending",
            "department_staff",
            ("hours", "reason"),
            description="申请延时",
        ),
        _t(
            "approve_extension",
            "extension_pending",
            "dispatched",
            "dispatcher shift_leader",
            clock="extend",
            description="延时审批: the deadline moves by the hours asked",
        ),
        _t(
            "deny_extension",
            "extension_pending",
            "dispatched",
            "dispatcher shift_leader",
            ("reason",),
        ),
        _t(
            "request_return",
            "dispatched",
            "return_pending",
            "department_staff",
            ("reason",),
            description="申请回退: not this department's responsibility",
        ),
        _t(
            "approve_return",
            "return_pending",
            "filed",
            "dispatcher",
            clock="stop",
            description="回退: back to the dispatcher for another department (改派)",
        ),
        _t("deny_return", "return_pending", "dispatched", "dispatcher", ("reason",)),
        _t(
            "request_hang",
            "dispatched",
            "hang_pending",
            "department_staff",
            ("reason",),
            description="申请挂账: waits for a season or for funds",
        ),
        _t(
            "approve_hang",
            "hang_pending",
            "hung",
            "dispatcher shift_leader",
            clock="pause",
            description="挂账: the clock stops",
        ),
        _t("deny_hang", "hang_pending", "dispatched", "dispatcher shift_leader", ("reason",)),
        _t(
            "resume",
            "hung",
            "dispatched",
            "dispatcher shift_leader",
            clock="resume",
            description="挂账恢复: the clock runs again",
        ),
        _t(
            "dispose",
            "dispatched",
            "disposed",
            "department_staff",
            ("result",),
            "stop",
            description="处置反馈: done, with the result and photos",
        ),
        _t(
            "request_check",
            "disposed",
            "checking",
            "intake_operator",
            description="发核查: an officer checks the fix on site",
        ),
        _t("pass_check", "checking", "checked", "officer", description="核查通过"),
        _t(
            "fail_check",
            "checking",
            "dispatched",
            "officer",
            ("reason",),
            "start",
            description="核查不通过: rework by the same department (返工)",
        ),
        _t("close", "checked", "closed", "shift_leader", ("close_type",), description="结案"),
        _t(
            "request_callback",
            "checked",
            "visiting",
            "intake_operator",
            description="回访: the 12345 caller is asked whether it is fixed",
        ),
        _t(
            "callback_satisfied",
            "visiting",
            "closed",
            "intake_operator partner",
            description="回访满意: closed",
        ),
        _t(
            "callback_unsatisfied",
            "visiting",
            "dispatched",
            "intake_operator partner",
            ("reason",),
            "start",
            description="回访不满意: rework (重办)",
        ),
        _t(
            "approve_self_handled",
            "self_handled",
            "closed",
            "intake_operator",
            description="自处理审核: valid, archived and closed",
        ),
        _t(
            "reject_self_handled",
            "self_handled",
            "cancelled",
            "intake_operator",
            ("reason",),
            description="自处理审核: not valid",
        ),
        _t("cancel", OPEN, "cancelled", "shift_leader", ("reason",), "stop", description="作废"),
    )
}


def actions_for(state: CaseState, actor: Identity) -> list[str]:
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
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationFailed(
            f"Unknown action {action!r}",
            errors=[FieldError(field="action", code="unknown_action", message=action)],
        )
    given = dict(params or {})
    _check(transition, state, actor, params=given)
    changes: dict[str, Any] = {"status": transition.target}
    if action == "confirm":
        changes["verified"] = True
    elif action == "dispatch":
        changes["department_id"] = given["department_id"]
    elif action == "approve_extension":
        changes["extensions"] = state.extensions + 1
    elif action == "approve_return":
        changes["returns"] = state.returns + 1
        changes["department_id"] = None
    elif action in ("fail_check", "callback_unsatisfied"):
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
    if actor.role == "department_staff" and state.department_id not in actor.department_ids:
        raise Forbidden("The case is not dispatched to your department", code="action_forbidden")
    if actor.role == "officer" and actor.grid_ids and state.grid_id not in actor.grid_ids:
        raise Forbidden("The case is not in your grids", code="action_forbidden")


def _check_rules(transition: Transition, state: CaseState, params: dict[str, Any] | None) -> None:
    if transition.action == "accept" and state.source in MUST_VERIFY and not state.verified:
        raise IllegalTransition(
            f"A report through {state.source} is accepted after an officer verified it on site"
        )
    if transition.action == "close" and state.source == HOTLINE:
        raise IllegalTransition("A 12345 case is closed by its call-back (request_callback)")
    if params is None:  # only asking which actions are possible
        return
    missing = [p for p in transition.requires if params.get(p) in (None, "")]
    if missing:
        raise ValidationFailed(
            f"{transition.action} needs {', '.join(missing)}",
            errors=[FieldError(field=p, code="missing", message="required") for p in missing],
        )
    if transition.action == "close" and params["close_type"] not in CLOSE_TYPES:
        raise ValidationFailed(
            f"close_type is one of {', '.join(CLOSE_TYPES)}",
            errors=[FieldError(field="close_type", code="invalid", message="unknown close type")],
        )
    if transition.action == "request_extension":
        hours = params["hours"]
        if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 < hours <= 720:
            raise ValidationFailed(
                "hours is a number of working hours, 0 to 720",
                errors=[FieldError(field="hours", code="invalid", message="0 < hours <= 720")],
            )
