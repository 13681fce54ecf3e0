"""Events published by the routing service (topic `routing.case`), and the case vocabulary
every service reads them with: statuses, actions and on-site tasks."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from zg_common.contracts.vocabulary import OpenVocabulary, open_field
from zg_common.events import EventContract

TOPIC_CASE = "routing.case"
TOPIC_DEPARTMENT = "routing.department"
TOPIC_CALENDAR = "routing.calendar"


class CaseStatus(OpenVocabulary):
    """Where a case stands in the lifecycle of the digital city management standard."""

    REPORTED = "reported"  # 上报: waits for acceptance
    VERIFYING = "verifying"  # 核实: an officer checks on site that the problem exists
    ACCEPTED = "accepted"  # 受理
    FILED = "filed"  # 立案
    DISPATCHED = "dispatched"  # 派遣: the department's disposal clock runs
    EXTENSION_PENDING = "extension_pending"  # 延时申请
    RETURN_PENDING = "return_pending"  # 回退申请
    HANG_PENDING = "hang_pending"  # 挂账申请
    HUNG = "hung"  # 挂账: the clock is paused
    DISPOSED = "disposed"  # 处置反馈
    CHECKING = "checking"  # 核查
    CHECKED = "checked"  # 核查通过
    VISITING = "visiting"  # 回访 (12345)
    SELF_HANDLED = "self_handled"  # 自处置: waits for the intake operator's review
    CLOSED = "closed"  # 结案
    CANCELLED = "cancelled"  # 作废
    NOT_ACCEPTED = "not_accepted"  # 不予受理


# A case in a terminal status never moves again; every other status is open (a self-handled
# case is open: it waits for the review). A status a consumer does not know yet is open too.
TERMINAL: frozenset[CaseStatus] = frozenset(
    {CaseStatus.CLOSED, CaseStatus.CANCELLED, CaseStatus.NOT_ACCEPTED}
)
OPEN: frozenset[CaseStatus] = frozenset(CaseStatus) - TERMINAL


class CaseAction(OpenVocabulary):
    """A step of the lifecycle (routing's transition table gives each its roles)."""

    REQUEST_VERIFICATION = "request_verification"
    CONFIRM = "confirm"
    REFUTE = "refute"
    ACCEPT = "accept"
    REJECT = "reject"
    FILE = "file"
    DISPATCH = "dispatch"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    DENY_RETURN = "deny_return"
    REQUEST_HANG = "request_hang"
    APPROVE_HANG = "approve_hang"
    DENY_HANG = "deny_hang"
    RESUME = "resume"
    DISPOSE = "dispose"
    REQUEST_CHECK = "request_check"
    PASS_CHECK = "pass_check"
    FAIL_CHECK = "fail_check"
    CLOSE = "close"
    REQUEST_CALLBACK = "request_callback"
    CALLBACK_SATISFIED = "callback_satisfied"
    CALLBACK_UNSATISFIED = "callback_unsatisfied"
    APPROVE_SELF_HANDLED = "approve_self_handled"
    REJECT_SELF_HANDLED = "reject_self_handled"
    CANCEL = "cancel"


class CaseTask(OpenVocabulary):
    """What an officer of the case's grid is sent to do on site."""

    VERIFY = "verify"  # 核实: does the reported problem exist?
    CHECK = "check"  # 核查: is the disposed problem fixed?


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
    action: str = open_field(CaseAction, "the step taken")
    from_status: str = open_field(CaseStatus, "the status before the step")
    to_status: str = open_field(CaseStatus, "the status after the step")
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
    grid_id: str | None = Field(
        default=None, description="the case's grid (the live map filters by it)"
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
    task: str = open_field(CaseTask, "what the officer is sent to do")
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
    # added fields (v1 stays: each has a default for events published before them)
    grid_id: str | None = Field(
        default=None, description="the case's grid (the live map filters by it)"
    )


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
    # added fields (v1 stays: each has a default for events published before them)
    grid_id: str | None = Field(
        default=None, description="the case's grid (the live map filters by it)"
    )


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


class CaseDeadlineMoved(EventContract):
    """A running disposal clock's deadline moved without a step of the case: its working
    calendar or the holiday schedule changed, and the deadline was counted again in the new
    hours (the lights and the scores follow the new one)."""

    event_type: ClassVar[str] = "routing.case.deadline_moved.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    number: str
    department_id: str | None
    calendar_id: str
    due_at: datetime
    previous_due_at: datetime | None
    reason: str = Field(examples=["calendar office changed", "holidays of 2026 changed"])
    at: datetime
    # added fields (v1 stays: each has a default for events published before them)
    grid_id: str | None = Field(
        default=None, description="the case's grid (the live map filters by it)"
    )


class DepartmentChanged(EventContract):
    """A department as routing holds it (loaded from a data set version, or changed by a
    manager): the full state but its contacts (personal data stays in routing)."""

    event_type: ClassVar[str] = "routing.department.changed.v1"
    topic: ClassVar[str] = TOPIC_DEPARTMENT

    department_id: str
    name: str
    name_en: str
    mode: str = Field(examples=["command", "coordinated", "entrusted", "assessed"])
    calendar_id: str = Field(description="the working calendar its time limits count in")
    grid_ids: list[str] = Field(description="the grids it covers")
    change: str = Field(examples=["loaded", "updated"])
    at: datetime


class CalendarChanged(EventContract):
    """A working calendar's hours (loaded, created or changed)."""

    event_type: ClassVar[str] = "routing.calendar.changed.v1"
    topic: ClassVar[str] = TOPIC_CALENDAR

    calendar_id: str
    name: str
    zone: str = Field(examples=["+08:00"])
    week: dict[str, list[list[str]]] = Field(
        description="weekday (mon..sun) -> working spans [from, to] in local time"
    )
    holidays: bool = Field(description="closes on public holidays, opens on make-up days")
    change: str = Field(examples=["loaded", "created", "updated"])
    at: datetime


class HolidaysChanged(EventContract):
    """A year's public holidays and make-up working days (调休), as the calendars keep them."""

    event_type: ClassVar[str] = "routing.calendar.holidays_changed.v1"
    topic: ClassVar[str] = TOPIC_CALENDAR

    year: int
    source: str
    off: list[dict[str, str]] = Field(description="spans {from, to} of days off")
    work: list[str] = Field(description="weekend days worked")
    change: str = Field(examples=["loaded", "created", "updated"])
    at: datetime


CONTRACTS: tuple[type[EventContract], ...] = (
    CaseDispatched,
    CaseTransitioned,
    CaseTaskRequested,
    CaseDeadlineApproached,
    CaseOverdue,
    CaseStageOverdue,
    CaseDeadlineMoved,
    DepartmentChanged,
    CalendarChanged,
    HolidaysChanged,
)
