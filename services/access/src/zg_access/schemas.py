"""API models of the access service. What leaves it about a person is masked
(`ResidentRead`) unless the caller asked for one record's identity with a purpose
(`ResidentIdentity`, audited)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from zg_access.personal import normal_id

COMPOUND_ID = r"^CP\d{3,6}$"
GATE_ID = r"^CP\d{3,6}-G\d{1,3}$"
HOUSEHOLD = r"^\d{1,3}-\d{1,2}-\d{3,5}$"
PHONE = r"^\+?\d{7,15}$"

Tenure = Literal["owner", "tenant"]
IdType = Literal["resident_id", "passport", "hk_macao_taiwan", "other"]
GateStatus = Literal["unknown", "online", "silent"]


class GateRead(BaseModel):
    id: str
    name: str
    grid_id: str
    lat: float
    lon: float
    status: GateStatus
    status_since: datetime
    last_heard_at: datetime | None


class Occupancy(BaseModel):
    residents: int = Field(description="registered residents living there now")
    households: int
    households_occupied: int


class CompoundRead(BaseModel):
    id: str
    name: str
    property_company: str
    grid_id: str
    lat: float
    lon: float
    occupancy: Occupancy
    gates: list[GateRead]


class CompoundList(BaseModel):
    compounds: list[CompoundRead]


class HouseholdRead(BaseModel):
    number: str = Field(examples=["3-2-0601"], description="building-unit-room")
    residents: int


class HouseholdList(BaseModel):
    compound_id: str
    households: list[HouseholdRead]


class ResidentIn(BaseModel):
    """The minimum a registration needs (最少够用): who, how to reach them, where they live,
    since when, and whether they own or rent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    compound_id: str = Field(pattern=COMPOUND_ID, examples=["CP006"])
    household: str = Field(pattern=HOUSEHOLD, examples=["3-2-0601"])
    name: str = Field(min_length=1, max_length=60)
    id_type: IdType = "resident_id"
    id_number: str = Field(min_length=5, max_length=30, examples=["340104199001011234"])
    phone: str = Field(pattern=PHONE, examples=["13812345678"])
    arrived_on: date
    tenure: Tenure

    @field_validator("id_number")
    @classmethod
    def _normal(cls, value: str) -> str:
        return normal_id(value)


class Departure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    departed_on: date


class CardReplacement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["lost", "damaged"]


class CardRead(BaseModel):
    number: str
    status: Literal["active", "cancelled"]
    issued_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None


class ResidentRead(BaseModel):
    """A resident as lists and ordinary reads show them: name, ID number and phone masked;
    after the retention period they are null (`purged_at`)."""

    id: uuid.UUID
    compound_id: str
    household: str
    tenure: Tenure
    arrived_on: date
    departed_on: date | None
    status: Literal["living", "departed"]
    name: str | None = Field(examples=["王**"])
    id_type: str | None
    id_number: str | None = Field(examples=["3401**********1234"])
    phone: str | None = Field(examples=["138****5678"])
    app_linked: bool
    registered_at: datetime
    purge_after: date | None = Field(description="when the personal data is deleted")
    purged_at: datetime | None
    cards: list[CardRead]


class ResidentPage(BaseModel):
    residents: list[ResidentRead]
    next_cursor: str | None = Field(description="pass as cursor for the next page")


class IdentityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    purpose: str = Field(
        min_length=5, max_length=200, examples=["核对身份 identity check at the gate"]
    )


class ResidentIdentity(BaseModel):
    """One resident's personal data in full: this read was written to the audit log."""

    id: uuid.UUID
    name: str
    id_type: str
    id_number: str
    phone: str


class SwipeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ref: str = Field(min_length=1, max_length=100, description="the vendor's id of the swipe")
    gate_id: str = Field(pattern=GATE_ID)
    card_number: str = Field(min_length=4, max_length=40)
    at: datetime
    direction: Literal["in", "out"] = "in"
    accepted: bool = Field(description="whether the gate opened")


class SwipesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    swipes: list[SwipeIn] = Field(min_length=1, max_length=1000)


class ItemRefusal(BaseModel):
    index: int
    code: str
    message: str


class SwipesRead(BaseModel):
    taken: int
    refused: list[ItemRefusal]
    cards_refused: int = Field(
        description="of those taken, swipes of cancelled or unknown cards (the platform "
        "counts them refused whatever the gate did)"
    )


class GateBeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gate_id: str = Field(pattern=GATE_ID)
    at: datetime


class GateBeatsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    beats: list[GateBeatIn] = Field(min_length=1, max_length=1000)


class GateBeatsRead(BaseModel):
    taken: int
    refused: list[ItemRefusal]


class OccupancyRow(BaseModel):
    id: str = Field(description="the compound's or the grid's id")
    residents: int
    households: int
    households_occupied: int
    arrivals: int
    departures: int


class OccupancyRead(BaseModel):
    by: Literal["compound", "grid"]
    since: date = Field(description="arrivals and departures counted from this day")
    until: date
    rows: list[OccupancyRow]


class PersonalReadEntry(BaseModel):
    id: int
    at: datetime
    sub: str
    role: str
    resident_id: uuid.UUID
    compound_id: str
    fields: str
    purpose: str
    request_id: str


class PersonalReadPage(BaseModel):
    entries: list[PersonalReadEntry]
    next_before_id: int | None


class LinkRequest(BaseModel):
    """The app account asks to be linked to the registration of this ID document: a code goes
    to the phone registered with it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_type: IdType = "resident_id"
    id_number: str = Field(min_length=5, max_length=30)

    @field_validator("id_number")
    @classmethod
    def _normal(cls, value: str) -> str:
        return normal_id(value)


class LinkRequested(BaseModel):
    detail: str = Field(
        default="If a living registration has this document, a code was sent to its phone",
        description="the same answer whether or not it has: the endpoint tells nobody who "
        "lives here",
    )
    expires_in: int = Field(description="seconds the code is valid")


class LinkConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^\d{6}$")


class SwipeRead(BaseModel):
    gate_id: str
    at: datetime
    direction: str
    accepted: bool
    refusal: str | None


class MyRecord(BaseModel):
    """A resident's own registrations (masked as everywhere) and their cards' swipes."""

    residents: list[ResidentRead]
    swipes: list[SwipeRead] = Field(description="the latest first, within the retention")
