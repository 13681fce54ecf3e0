"""Events published by the smart-access service (topics `access.compound`, `access.gate`).

No personal data leaves the service: these carry compound, gate and grid ids and counts, never
a name, an ID number, a phone, a card number or a resident's id
(`tests/unit/test_access_events.py` scans every contract and a run's topics for them)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from zg_common.contracts.vocabulary import OpenVocabulary, open_field
from zg_common.events import EventContract

TOPIC_COMPOUND = "access.compound"
TOPIC_GATE = "access.gate"


class GateAlertKind(OpenVocabulary):
    """Why a gate asks for a case."""

    REFUSED_SWIPES = "refused_swipes"  # cancelled or unknown cards over the threshold
    GATE_SILENT = "gate_silent"  # a gate stopped reporting


class GateStatus(OpenVocabulary):
    UNKNOWN = "unknown"
    ONLINE = "online"
    SILENT = "silent"


class OccupancyChanged(EventContract):
    """A compound's registered residents changed (an arrival registered, a departure recorded):
    its counts now and those of the ISO week of the change, for the map and the district's
    indicators."""

    event_type: ClassVar[str] = "access.compound.occupancy_changed.v1"
    topic: ClassVar[str] = TOPIC_COMPOUND

    compound_id: str
    grid_id: str
    residents: int = Field(ge=0, description="registered residents living there now")
    households_occupied: int = Field(ge=0, description="households with a registered resident")
    households: int = Field(ge=0, description="households of the compound")
    week: str = Field(
        description="ISO week of the change (+08:00)",
        examples=["2026-W49"],
    )
    arrivals_in_week: int = Field(ge=0)
    departures_in_week: int = Field(ge=0)
    at: datetime


class GateAlertRaised(EventContract):
    """A gate needs someone to look: refused swipes of cancelled or unknown cards over the
    threshold within the window, or a gate that stopped reporting. Intake turns it into a case
    of the `access_control` channel, once per alert id."""

    event_type: ClassVar[str] = "access.gate.alert_raised.v1"
    topic: ClassVar[str] = TOPIC_GATE

    alert_id: str = Field(description="unique per alert: intake's case is made once for it")
    kind: str = open_field(GateAlertKind, "why")
    category: str = Field(description="minor category code of the case to open")
    gate_id: str
    compound_id: str
    grid_id: str
    lat: float
    lon: float
    refused_swipes: int = Field(default=0, ge=0, description="refused_swipes: how many")
    window_minutes: int = Field(default=0, ge=0, description="refused_swipes: within how long")
    detected_at: datetime
    description: str = Field(default="", max_length=1000)


class GateStatusChanged(EventContract):
    """A gate was heard from again, or went silent (no swipe or heartbeat within the
    timeout)."""

    event_type: ClassVar[str] = "access.gate.status_changed.v1"
    topic: ClassVar[str] = TOPIC_GATE

    gate_id: str
    compound_id: str
    grid_id: str
    from_status: str = open_field(GateStatus, "before")
    to_status: str = open_field(GateStatus, "now")
    at: datetime


CONTRACTS: tuple[type[EventContract], ...] = (OccupancyChanged, GateAlertRaised, GateStatusChanged)
