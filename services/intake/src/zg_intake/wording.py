"""Case statuses in plain words, for residents and for Open311 and FixMyStreet clients."""

from __future__ import annotations

from zg_intake.models import CLOSED_STATUSES

# status -> (Chinese, English) as a resident reads it
PLAIN: dict[str, tuple[str, str]] = {
    "reported": ("已受理，等待派遣", "Received; being passed to the department responsible"),
    "dispatched": ("已派遣至责任单位处置", "Sent to the department responsible, to be fixed"),
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
    "dispatched": "ACTION_SCHEDULED",
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
