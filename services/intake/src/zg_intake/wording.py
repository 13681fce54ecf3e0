"""Case statuses in plain words, for residents and for Open311 and FixMyStreet clients. Every
status of routing's `CaseStatus` and intake's `ReportStatus` has its words (a contract test
checks it); a status added later reads "in progress" until it has words of its own."""

from __future__ import annotations

from zg_common.contracts.intake import ReportStatus
from zg_common.contracts.routing import CaseStatus
from zg_intake.models import CLOSED_STATUSES

S = CaseStatus

# status -> (Chinese, English) as a resident reads it
PLAIN: dict[str, tuple[str, str]] = {
    S.REPORTED: ("已受理，等待派遣", "Received; being passed to the department responsible"),
    S.VERIFYING: ("巡查员现场核实中", "A patrol officer is checking it on site"),
    S.ACCEPTED: ("已受理，等待立案", "Accepted; being registered"),
    S.FILED: ("已立案，等待派遣", "Registered; being sent to the department responsible"),
    S.DISPATCHED: ("已派遣至责任单位处置", "Sent to the department responsible, to be fixed"),
    S.EXTENSION_PENDING: ("处置中（申请延时）", "Being fixed (more time requested)"),
    S.RETURN_PENDING: ("处置中（申请回退）", "Being fixed (the department asks to pass it on)"),
    S.HANG_PENDING: ("处置中（申请挂账）", "Being fixed (deferral requested)"),
    S.HUNG: ("已挂账，待条件具备后处置", "Deferred until it can be done (season, funds)"),
    S.DISPOSED: ("已处置，等待核查", "Fixed by the department; to be checked"),
    S.CHECKING: ("巡查员现场核查中", "A patrol officer is checking the fix on site"),
    S.CHECKED: ("核查通过，等待结案", "The fix was checked; about to be closed"),
    S.VISITING: ("回访中", "We are calling back to ask whether it is fixed"),
    ReportStatus.MERGED: (
        "同一问题已有人反映，并入原案件跟进",
        "Already reported by someone else; you follow that report now",
    ),
    S.SELF_HANDLED: ("巡查员已现场处置", "Fixed on the spot by a patrol officer"),
    S.CLOSED: ("已办结", "Fixed and checked; closed"),
    S.CANCELLED: ("已作废", "Cancelled"),
    S.NOT_ACCEPTED: ("不予受理", "Not accepted: not a matter for this platform"),
}

# status -> FixMyStreet's extended status (servicerequestupdates)
EXTENDED: dict[str, str] = {
    S.REPORTED: "OPEN",
    S.VERIFYING: "INVESTIGATING",
    S.ACCEPTED: "OPEN",
    S.FILED: "OPEN",
    S.DISPATCHED: "ACTION_SCHEDULED",
    S.HUNG: "ACTION_SCHEDULED",
    S.DISPOSED: "INVESTIGATING",
    S.CHECKING: "INVESTIGATING",
    S.CHECKED: "FIXED",
    ReportStatus.MERGED: "DUPLICATE",
    S.SELF_HANDLED: "FIXED",
    S.CLOSED: "FIXED",
    S.CANCELLED: "CANCELLED",
    S.NOT_ACCEPTED: "NO_FURTHER_ACTION",
}


def plain(status: str) -> str:
    zh, en = PLAIN.get(status, ("处理中", "In progress"))
    return f"{zh} / {en}"


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def extended_status(status: str) -> str:
    return EXTENDED.get(status, "IN_PROGRESS")
