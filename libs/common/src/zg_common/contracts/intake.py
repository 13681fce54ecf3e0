"""Events published by the intake service (topic `intake.case`), the channels a case comes
through, and the status only intake gives a report."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from zg_common.contracts.vocabulary import OpenVocabulary, open_field
from zg_common.events import EventContract

TOPIC_CASE = "intake.case"


class Channel(OpenVocabulary):
    """How a case reached the platform (its `source`), each tagged by who reports."""

    RESIDENT_APP = "resident_app"
    QR_SCAN = "qr_scan"  # a resident scanned a patrol point's card
    OFFICER_HANDSET = "officer_handset"
    PARTNER_API = "partner_api"
    HOTLINE_12345 = "hotline_12345"
    CAMERA = "camera"  # an alarm of the video platform's analytics
    COMMAND_CENTRE = "command_centre"
    ACCESS_CONTROL = "access_control"  # a compound gate's alert (smart access, 一卡通)
    DEVICE = "device"  # a device platform's fault (smart street lights, 智慧路灯)


class ReportStatus(OpenVocabulary):
    """Statuses of intake's reports beside routing's `CaseStatus`: a merged report joined an
    open case and never reaches routing."""

    MERGED = "merged"


class CaseReported(EventContract):
    """A case was accepted by intake (201 answered); routing takes it from here."""

    event_type: ClassVar[str] = "intake.case.reported.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    number: str
    category: str = Field(description="minor category code")
    category_kind: str = Field(description="component or event")
    lat: float
    lon: float
    description: str
    source: str = open_field(Channel, "the channel it came through")
    reported_at: datetime
    # added fields (v1 stays: each has a default for events published before them)
    grid_id: str | None = Field(default=None, description="grid resolved at intake")
    zone_type: str | None = None
    patrol_point_id: str | None = Field(default=None, description="scanned or nearest point")
    urgency: str = "normal"
    address: str | None = None
    resolved_on_site: bool = Field(
        default=False, description="an officer fixed it on the spot: not to be dispatched"
    )
    external_system: str | None = None
    external_id: str | None = None
    camera_id: str | None = None
    partner_key_id: str | None = Field(
        default=None,
        description="the partner key that reported it (a 12345 hotline answers its call-backs)",
    )
    reporter_badge: str | None = Field(
        default=None, description="the officer's badge when an officer reported it (积分, 漏报)"
    )


class CaseMerged(EventContract):
    """A report was the same problem as an open case (same minor category, within the
    category's radius and time window) and joined it instead of opening a case: nothing to
    dispatch; its reporter follows the open case."""

    event_type: ClassVar[str] = "intake.case.merged.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str = Field(description="the report that joined")
    number: str
    into_case_id: str
    into_number: str
    category: str
    source: str = open_field(Channel, "the channel the joining report came through")
    distance_m: float
    merged_at: datetime
    by: str = Field(description="intake (automatic) or the operator's role")
    # added fields (v1 stays: each has a default for events published before them)
    reporter_badge: str | None = Field(
        default=None,
        description="the officer's badge when an officer made the joining report (an officer's "
        "report merged into a public one counts as reported: no 漏报)",
    )


class CaseSplit(EventContract):
    """An operator undid a wrong merge: the report is a case of its own; a `reported` event
    for it follows."""

    event_type: ClassVar[str] = "intake.case.split.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    from_case_id: str
    reason: str
    by_role: str
    split_at: datetime


class CaseRated(EventContract):
    """The reporter rated how their closed case was handled (satisfaction, 满意度): scoring
    counts it for the department that handled the case."""

    event_type: ClassVar[str] = "intake.case.rated.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    number: str
    category: str
    department_id: str | None
    grid_id: str | None
    score: int = Field(ge=1, le=5, description="1 very dissatisfied ... 5 very satisfied")
    comment: str = ""
    rater_role: str
    rated_at: datetime


CONTRACTS: tuple[type[EventContract], ...] = (CaseReported, CaseMerged, CaseSplit, CaseRated)
