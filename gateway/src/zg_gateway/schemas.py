"""API models of the gateway's own endpoints (authentication)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=10, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str = Field(description="single use: each refresh returns a new one")


COMPOUND_IDS: list[str] = Field(
    default_factory=list,
    max_length=200,
    description="residential compounds served: property staff, access-control vendors' keys",
)
CompoundId = Annotated[str, Field(pattern=r"^CP\d{3,6}$")]


class Me(BaseModel):
    sub: str
    role: str
    name: str
    department_ids: list[str]
    grid_ids: list[str]
    compound_ids: list[str] = []


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, examples=["12345 hotline"])
    department_ids: list[Annotated[str, Field(pattern=r"^[a-z0-9-]{2,50}$")]] = Field(
        min_length=1, max_length=20, examples=[["command-centre"]]
    )
    operations: list[str] = Field(min_length=1, max_length=50, examples=[["cases.create"]])
    compound_ids: list[CompoundId] = COMPOUND_IDS


class ApiKeyRead(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    department_ids: list[str]
    operations: list[str]
    compound_ids: list[str]
    created_at: datetime
    revoked_at: datetime | None
    rotated_from: uuid.UUID | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="the key itself: shown this once, stored only as a hash")


class AuditEntryRead(BaseModel):
    id: int
    at: datetime
    sub: str
    role: str
    method: str
    path: str
    status: int
    ip: str
    user_agent: str
    request_id: str
    detail: dict[str, object]


class AuditPage(BaseModel):
    entries: list[AuditEntryRead]
    next_before_id: int | None = Field(description="pass as before_id for the next (older) page")


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(pattern=r"^[A-Za-z0-9._-]{2,100}$", examples=["ZG042"])
    password: str = Field(min_length=12, max_length=200)
    role: Literal[
        "resident",
        "officer",
        "department_staff",
        "intake_operator",
        "dispatcher",
        "shift_leader",
        "manager",
        "admin",
        "property_staff",
    ]
    name: str = Field(default="", max_length=100)
    department_ids: list[Annotated[str, Field(pattern=r"^[a-z0-9-]{2,50}$")]] = Field(
        default_factory=list, max_length=20
    )
    grid_ids: list[Annotated[str, Field(pattern=r"^G\d{2,3}$")]] = Field(
        default_factory=list, max_length=50
    )
    badge: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}\d{3,6}$",
        description="officers: the badge number the patrol service knows them by",
    )
    compound_ids: list[CompoundId] = COMPOUND_IDS


class AccountRead(BaseModel):
    id: uuid.UUID
    username: str
    role: str
    name: str
    department_ids: list[str]
    grid_ids: list[str]
    compound_ids: list[str]
    badge: str | None
    active: bool
    created_at: datetime
