"""Case statuses in plain words, for residents and for Open311 and FixMyStreet clients."""

from __future__ import annotations

from zg_intake.models import CLOSED_STATUSES

# status -> (Chinese, English) as a resident reads it
PLAIN: dict[str, tuple[str, str]] = {
    "reported": ("已受理，等待派遣", "Received; being passed to the department responsible"),
    "verifying": ("巡查员现场核实中", "A patrol officer is checking it on site"),
    "accepted": ("已受理，等待立案", "Accepted; being registered"),
    "filed": ("已立案，等待派遣", "Registered; being sent to the department responsible"),
    "dispatched": ("已派遣至责任单位处置", "Sent to the department responsible, to be fixed"),
    "extension_pending": ("处置中（申请延时）", "Being fixed (more time requested)"),
    "return_pending": ("处置中（申请回退）", "Being fixed (the department asks to pass it on)"),
    "hang_pending": ("处置中（申请挂账）", "Being fixed (deferral requested)"),
    "hung": ("已挂账，待条件具备后处置", "Deferred until it can be done (season, funds)"),
    "disposed": ("已处置，等待核查", "Fixed by the department; to be checked"),
    "checking": ("巡查员现场核查中", "A patrol officer is checking the fix on site"),
    "checked": ("核查通过，等待结案", "The fix was checked; about to be closed"),
    "visiting": ("回访中", "We are calling back to ask whether it is fixed"),
    "merged": (
        "同一问题已有人反映，并入原案件跟进",
        "Already reported by someone else; you follow that report now",
    ),
    "self_handled": ("巡查员已现场处置", "Fixed on the spot by a patrol officer"),
    "closed": ("已办结", "Fixed and checked; closed"),
    "cancelled": ("已作废", "Cancelled"),
    "not_accepted": ("不予受理", "Not accepted: not a matter for this platform"),
}

# status -> FixMyStreet's extended status (servicerequestupdates)
EXTENDED: dict[str, str] = {
    "reported": "OPEN",
    "verifying": "INVESTIGATING",
    "accepted": "OPEN",
    "filed": "OPEN",
    "dispatched": "ACTION_SCHEDULED",
    "hung": "ACTION_SCHEDULED",
    "disposed": "INVESTIGATING",
    "checking": "INVESTIGATING",
    "checked": "FIXED",
    "merged": "DUPLICATE",
    "self_handled": "FIXED",
    "closed": "FIXED",
    "cancelled": "CANCELLED",
    "not_accepted": "NO_FURTHER_ACTION",
}


def plain(status: str) -> str:
    zh, en = PLAIN.get(status, ("处理中", "In progress"))
    return f"{zh} / {en}"


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def extended_status(status: str) -> str:
    return EXTENDED.get(status, "IN_PROGRESS")
