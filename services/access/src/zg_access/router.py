"""HTTP endpoints of compounds and residents: the compounds with their gates and counts,
occupancy per compound or grid, and — for the property staff of a compound only — its
households, the registration of residents with their cards, departures, card replacements,
masked lists, and one record's full identity with a purpose (audited)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status

from zg_access import occupancy, residents, service
from zg_access.dependencies import SettingsDep, StateDep
from zg_access.schemas import (
    COMPOUND_ID,
    HOUSEHOLD,
    CardReplacement,
    CompoundList,
    CompoundRead,
    Departure,
    HouseholdList,
    IdentityRequest,
    OccupancyRead,
    PersonalReadEntry,
    PersonalReadPage,
    ResidentIdentity,
    ResidentIn,
    ResidentPage,
    ResidentRead,
)
from zg_common.authz import require
from zg_common.db import ReadSessionDep, SessionDep
from zg_common.errors import FieldError, ValidationFailed
from zg_common.identity import Identity
from zg_common.logging import request_id_var

router = APIRouter(prefix="/api/v1/access", tags=["access"])
Reader = Annotated[Identity, require("access.compounds.read")]
Registrar = Annotated[Identity, require("access.residents.register")]
ResidentReader = Annotated[Identity, require("access.residents.read")]
CompoundId = Annotated[str, Path(pattern=COMPOUND_ID)]


@router.get("/compounds", response_model=CompoundList, summary="Compounds, gates and counts")
async def read_compounds(
    caller: Reader,
    session: ReadSessionDep,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
) -> CompoundList:
    found = await service.visible_compounds(session, caller, grid_id=grid_id)
    return CompoundList(compounds=await service.compound_reads(session, found))


@router.get("/compounds/{compound_id}", response_model=CompoundRead, summary="One compound")
async def read_compound(
    caller: Reader, compound_id: CompoundId, session: ReadSessionDep
) -> CompoundRead:
    return await service.one_compound(session, caller, compound_id)


@router.get(
    "/compounds/{compound_id}/households",
    response_model=HouseholdList,
    summary="A compound's households and how many residents live in each (its property staff)",
)
async def read_households(
    caller: ResidentReader, compound_id: CompoundId, session: ReadSessionDep
) -> HouseholdList:
    residents.own_compound(caller, compound_id)
    return await service.households(session, caller, compound_id)


@router.get(
    "/occupancy",
    response_model=OccupancyRead,
    summary="Registered residents and households per compound or grid, with arrivals and "
    "departures in an ISO week or a period (counts only)",
)
async def read_occupancy(
    caller: Reader,
    session: ReadSessionDep,
    by: Literal["compound", "grid"] = "grid",
    week: str | None = Query(
        default=None, pattern=r"^\d{4}-W\d{2}$", description="an ISO week (2026-W49), or:"
    ),
    since: date | None = Query(default=None, description="default: 7 days ago"),
    until: date | None = Query(default=None, description="default: today"),
) -> OccupancyRead:
    if week is not None:
        days = occupancy.week_days(week)
        if days is None or since is not None or until is not None:
            raise ValidationFailed(
                "A week that exists (2026-W49), and then no since or until",
                errors=[FieldError(field="week", code="invalid_week", message=week)],
            )
        since, until = days
    today = occupancy.local_day(datetime.now(UTC))
    until = until or today
    since = since or until - timedelta(days=6)
    if since > until or (until - since).days > 366:
        raise ValidationFailed(
            "since must be on or before until, at most a year apart",
            errors=[FieldError(field="since", code="out_of_range", message="")],
        )
    return await occupancy.report(
        session, by=by, compound_ids=service.compound_filter(caller), since=since, until=until
    )


@router.post(
    "/residents",
    response_model=ResidentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Register a resident on arrival and issue their card (人来登记)",
    description="The minimum a registration needs: name, ID document, phone, household, "
    "arrival date, owner or tenant. One person, one card: a document registered where its "
    "holder lives now is refused (409 `already_registered`) until that departure is recorded. "
    "The answer shows the personal fields masked.",
)
async def register_resident(
    caller: Registrar,
    body: ResidentIn,
    state: StateDep,
    session: SessionDep,
    response: Response,
) -> ResidentRead:
    now = datetime.now(UTC)
    resident, cards = await residents.register(
        session, caller, body, vault=state.vault, today=occupancy.local_day(now), now=now
    )
    response.headers["Location"] = f"/api/v1/access/residents/{resident.id}"
    return residents.resident_read(resident, cards)


@router.get("/residents", response_model=ResidentPage, summary="Residents, masked (paged)")
async def read_residents(
    caller: ResidentReader,
    session: ReadSessionDep,
    compound_id: Annotated[str | None, Query(pattern=COMPOUND_ID)] = None,
    household: Annotated[str | None, Query(pattern=HOUSEHOLD)] = None,
    state: Annotated[Literal["living", "departed"] | None, Query(alias="status")] = None,
    cursor: uuid.UUID | None = Query(default=None, description="next_cursor"),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ResidentPage:
    found = await residents.residents(
        session,
        caller,
        compound_id=compound_id,
        household=household,
        status=state,
        after=cursor,
        limit=limit,
    )
    return ResidentPage(
        residents=[residents.resident_read(r, cards) for r, cards in found],
        next_cursor=str(found[-1][0].id) if len(found) == limit else None,
    )


@router.get("/residents/{resident_id}", response_model=ResidentRead, summary="One, masked")
async def read_resident(
    caller: ResidentReader, resident_id: uuid.UUID, session: ReadSessionDep
) -> ResidentRead:
    return residents.resident_read(
        *await residents.resident_with_cards(session, caller, resident_id)
    )


@router.post(
    "/residents/{resident_id}/identity",
    response_model=ResidentIdentity,
    summary="One resident's name, ID number and phone in full, for a stated purpose (audited)",
    description="Every such read is written to the audit log (who, when, which resident, the "
    "purpose) in the same transaction as the answer. A POST: the purpose is a body, and no "
    "cache or log on the way keeps the answer as a plain GET's.",
)
async def identify_resident(
    caller: Annotated[Identity, require("access.residents.identify")],
    resident_id: uuid.UUID,
    body: IdentityRequest,
    state: StateDep,
    session: SessionDep,
    response: Response,
) -> ResidentIdentity:
    response.headers["Cache-Control"] = "no-store"
    return await residents.identify(
        session,
        caller,
        resident_id,
        purpose=body.purpose,
        vault=state.vault,
        request_id=request_id_var.get() or "",
        now=datetime.now(UTC),
    )


@router.post(
    "/residents/{resident_id}/departure",
    response_model=ResidentRead,
    summary="Record a departure: the card is cancelled and the retention clock starts (人走注销)",
)
async def record_departure(
    caller: Registrar,
    resident_id: uuid.UUID,
    body: Departure,
    settings: SettingsDep,
    session: SessionDep,
) -> ResidentRead:
    now = datetime.now(UTC)
    resident, cards = await residents.depart(
        session,
        caller,
        resident_id,
        body.departed_on,
        retention_days=settings.retention_days,
        today=occupancy.local_day(now),
        now=now,
    )
    return residents.resident_read(resident, cards)


@router.post(
    "/residents/{resident_id}/cards",
    response_model=ResidentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Replace a lost or damaged card: the old one is cancelled, a new one issued",
)
async def replace_card(
    caller: Registrar, resident_id: uuid.UUID, body: CardReplacement, session: SessionDep
) -> ResidentRead:
    resident, cards = await residents.replace_card(
        session, caller, resident_id, body.reason, now=datetime.now(UTC)
    )
    return residents.resident_read(resident, cards)


@router.get(
    "/personal-reads",
    response_model=PersonalReadPage,
    summary="The audit log of full reads of residents' personal data, newest first",
)
async def read_personal_reads(
    caller: Annotated[Identity, require("access.reads.read")],
    session: ReadSessionDep,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> PersonalReadPage:
    rows = await service.personal_reads(session, before_id=before_id, limit=limit)
    return PersonalReadPage(
        entries=[PersonalReadEntry.model_validate(r, from_attributes=True) for r in rows],
        next_before_id=rows[-1].id if len(rows) == limit else None,
    )
