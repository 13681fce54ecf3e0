"""Events published by the routing service (topic `routing.case`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from zg_common.events import EventContract

TOPIC_CASE = "routing.case"


class CaseDispatched(EventContract):
    """A case was assigned to the department that must handle it."""

    event_type: ClassVar[str] = "routing.case.dispatched.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    grid_id: str
    zone_type: str
    department_id: str
    department_name: str
    rule_id: str | None = Field(
        description="routing rule that matched; null for the fallback owner"
    )
    dispatched_at: datetime
    # added fields (v1 stays: each has a default for events published before them)
    due_at: datetime | None = Field(
        default=None,
        description="disposal deadline: the category's limit for the urgency, counted in the "
        "department's working calendar",
    )
    time_limit: str | None = Field(default=None, examples=["4 working_hours", "2 working_days"])
    calendar_id: str | None = Field(default=None, examples=["office", "24x7"])


class CaseTransitioned(EventContract):
    """A step of the case's lifecycle (受理, 立案, 派遣, 延时, 回退, 挂账, 处置, 核查, 结案 ...):
    who did what, from which state to which, and where the case and its clock stand now."""

    event_type: ClassVar[str] = "routing.case.transitioned.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    action: str = Field(examples=["dispatch", "approve_extension", "pass_check"])
    from_status: str
    to_status: str
    actor_role: str = Field(description="the role that acted, or `system` for the rules")
    reason: str = ""
    department_id: str | None = None
    department_name: str | None = None
    due_at: datetime | None = None
    time_limit: str | None = None
    at: datetime
    # added fields (v1 stays: each has a default for events published before them)
    from_department_id: str | None = Field(
        default=None, description="the department before the step (who returned a case)"
    )
    reworks: int = Field(default=0, description="the case's reworks so far (返工)")
    returns: int = Field(default=0, description="the case's approved returns so far (回退)")
    extensions: int = Field(default=0, description="the case's approved extensions so far (延期)")
    stage_on_time: bool | None = Field(
        default=None,
        description="the step ended a stage (verify, accept, file, dispatch, check) within its "
        "limit (按时); null when it ended none",
    )
    actor_badge: str | None = Field(
        default=None, description="the officer's badge when an officer acted (核实, 核查, 自处置)"
    )


class CaseTaskRequested(EventContract):
    """An officer of the case's grid must go and look: verify that a reported problem exists
    (核实) or check that a disposed one is fixed (核查). The patrol service folds these tasks
    into the officers' routes; an officer answers with the confirm/refute or pass_check/
    fail_check action."""

    event_type: ClassVar[str] = "routing.case.task_requested.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    number: str
    task: str = Field(examples=["verify", "check"])
    category: str
    grid_id: str | None
    lat: float | None
    lon: float | None
    due_at: datetime = Field(description="the stage limit (minutes of the 24x7 clock)")
    requested_at: datetime


class CaseDeadlineApproached(EventContract):
    """80 % of the disposal limit is used (the light turns yellow): a reminder to the
    department."""

    event_type: ClassVar[str] = "routing.case.deadline_approached.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    number: str
    department_id: str | None
    due_at: datetime
    at: datetime


class CaseOverdue(EventContract):
    """The disposal deadline passed while the clock ran (the light turns red): escalated to
    the shift leader (督办)."""

    event_type: ClassVar[str] = "routing.case.overdue.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    number: str
    department_id: str | None
    due_at: datetime
    escalated_to: str = "shift_leader"
    at: datetime


class CaseStageOverdue(EventContract):
    """A case waited longer than the stage's limit for the command centre's next step (an
    officer's verification or check, the operator's acceptance, the shift leader's filing, the
    dispatcher's dispatch): escalated to the shift leader."""

    event_type: ClassVar[str] = "routing.case.stage_overdue.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    number: str
    stage: str = Field(examples=["verify", "accept", "file", "dispatch", "check"])
    grid_id: str | None = None
    due_at: datetime
    escalated_to: str = "shift_leader"
    at: datetime


CONTRACTS: tuple[type[EventContract], ...] = (
    CaseDispatched,
    CaseTransitioned,
    CaseTaskRequested,
    CaseDeadlineApproached,
    CaseOverdue,
    CaseStageOverdue,
)
