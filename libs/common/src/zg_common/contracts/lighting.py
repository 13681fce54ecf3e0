"""Events published by the lighting service (topic `lighting.fault`): the faults it asks to be
cases — one per dead circuit, or per pole — and their clearing when the lights report healthy
again (routing then passes the case's check as the system)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from zg_common.contracts.vocabulary import OpenVocabulary, open_field
from zg_common.events import EventContract

TOPIC_FAULT = "lighting.fault"
LIGHTING_SYSTEM = "street-lighting"  # the case's external reference system; its id: fault_id


class FaultScope(OpenVocabulary):
    CIRCUIT = "circuit"  # a dead circuit: one case for its lights
    POLE = "pole"


class FaultRaised(EventContract):
    """A street-light fault that needs a case: intake makes one of the device channel, in
    category C0109 with the fault's kind as its `fault` answer, once per fault id."""

    event_type: ClassVar[str] = "lighting.fault.raised.v1"
    topic: ClassVar[str] = TOPIC_FAULT

    fault_id: str
    scope: str = open_field(FaultScope, "a circuit or one pole")
    circuit_id: str
    light_id: str | None = Field(default=None, description="scope pole: the light")
    kind: str = Field(
        description="C0109's `fault`: off, flicker, on_by_day, damaged", examples=["off"]
    )
    category: str = Field(default="C0109", description="minor category of the case")
    lights: int = Field(ge=1, description="lights affected")
    lat: float
    lon: float
    grid_id: str | None = None
    description: str = Field(default="", max_length=1000)
    detected_at: datetime


class FaultCleared(EventContract):
    """The circuit or pole reports healthy again: the fix is seen by the system itself."""

    event_type: ClassVar[str] = "lighting.fault.cleared.v1"
    topic: ClassVar[str] = TOPIC_FAULT

    fault_id: str
    scope: str = open_field(FaultScope, "a circuit or one pole")
    circuit_id: str
    light_id: str | None = None
    cleared_at: datetime


CONTRACTS: tuple[type[EventContract], ...] = (FaultRaised, FaultCleared)
