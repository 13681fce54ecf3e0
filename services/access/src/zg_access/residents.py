"""Residents and their cards: registration on arrival with a card issued (人来登记), departure
with the card cancelled and the retention clock started (人走注销), a lost card replaced, the
masked lists, and one record's full identity read with a purpose and audited.

Row rule: property staff act on and see the residents of their own compounds
(`Identity.compound_ids`); nobody else reads a resident."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zg_access import occupancy, repository
from zg_access.exceptions import (
    AlreadyRegistered,
    CompoundForbidden,
    CompoundNotFound,
    HouseholdNotFound,
    ResidentDeparted,
    ResidentNotFound,
)
from zg_access.models import Card, Compound, PersonalRead, Resident
from zg_access.personal import Vault, mask_id, mask_name, mask_phone, resident_id_valid
from zg_access.schemas import CardRead, ResidentIdentity, ResidentIn, ResidentRead
from zg_common.errors import FieldError, ValidationFailed
from zg_common.identity import Identity

FUTURE_ARRIVAL = timedelta(days=31)  # a registration ahead of moving in, at most this far


def own_compound(caller: Identity, compound_id: str) -> None:
    if compound_id not in caller.compound_ids:
        raise CompoundForbidden(f"Compound {compound_id} is not one of the caller's compounds")


async def _compound(session: AsyncSession, compound_id: str) -> Compound:
    compound = await session.get(Compound, compound_id)
    if compound is None:
        raise CompoundNotFound(f"No compound {compound_id}")
    return compound


async def visible_resident(
    session: AsyncSession, caller: Identity, resident_id: uuid.UUID, *, for_update: bool = False
) -> Resident:
    """The resident if the caller may see them; not found otherwise (not whether they exist)."""
    found = await repository.resident(session, resident_id, for_update=for_update)
    if found is None or found.compound_id not in caller.compound_ids:
        raise ResidentNotFound(f"No resident {resident_id} in the caller's compounds")
    return found


def _new_card(resident: Resident, now: datetime) -> Card:
    # 12 random digits after the district's prefix: a number the card's chip carries
    return Card(
        number=f"FX{secrets.randbelow(10**12):012d}",
        resident_id=resident.id,
        compound_id=resident.compound_id,
        status="active",
        issued_at=now,
    )


async def register(
    session: AsyncSession,
    caller: Identity,
    data: ResidentIn,
    *,
    vault: Vault,
    today: date,
    now: datetime,
) -> tuple[Resident, list[Card]]:
    own_compound(caller, data.compound_id)
    compound = await _compound(session, data.compound_id)
    if not await repository.household_exists(session, data.compound_id, data.household):
        raise HouseholdNotFound(f"No household {data.household} in {data.compound_id}")
    if data.id_type == "resident_id" and not resident_id_valid(data.id_number):
        raise ValidationFailed(
            "The ID number is not a valid resident identity card number",
            errors=[
                FieldError(
                    field="id_number",
                    code="id_number_invalid",
                    message="18 characters with the right check character (GB 11643)",
                )
            ],
        )
    if data.arrived_on > today + FUTURE_ARRIVAL:
        raise ValidationFailed(
            "The arrival date is more than a month ahead",
            errors=[FieldError(field="arrived_on", code="too_far_ahead", message="")],
        )
    lookup = vault.lookup(data.id_type, data.id_number)
    if (existing := await repository.living_by_lookup(session, lookup)) is not None:
        here = existing.compound_id in caller.compound_ids
        raise AlreadyRegistered(
            f"This document is registered at {existing.compound_id}"
            + (f" {existing.household} (resident {existing.id})" if here else "")
            + "; record that departure first"
        )
    rid = uuid.uuid4()
    resident = Resident(
        id=rid,
        compound_id=data.compound_id,
        household=data.household,
        tenure=data.tenure,
        arrived_on=data.arrived_on,
        name_enc=vault.seal(data.name, row=rid, field="name"),
        name_masked=mask_name(data.name),
        id_type=data.id_type,
        id_number_enc=vault.seal(data.id_number, row=rid, field="id_number"),
        id_number_masked=mask_id(data.id_number),
        id_lookup=lookup,
        phone_enc=vault.seal(data.phone, row=rid, field="phone"),
        phone_masked=mask_phone(data.phone),
        registered_at=now,
        registered_by=caller.sub,
    )
    session.add(resident)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if "ux_resident_living" not in str(exc.orig):
            raise
        # the same person registered at the same moment elsewhere
        raise AlreadyRegistered("This document was just registered; one person, one card") from exc
    card = _new_card(resident, now)
    session.add(card)
    await session.flush()
    await occupancy.publish(session, compound, now=now)
    return resident, [card]


async def depart(
    session: AsyncSession,
    caller: Identity,
    resident_id: uuid.UUID,
    departed_on: date,
    *,
    retention_days: int,
    today: date,
    now: datetime,
) -> tuple[Resident, list[Card]]:
    resident = await visible_resident(session, caller, resident_id, for_update=True)
    if resident.departed_on is not None:
        raise ResidentDeparted(f"Resident {resident_id} departed on {resident.departed_on}")
    if departed_on < resident.arrived_on or departed_on > today:
        raise ValidationFailed(
            "The departure must be between the arrival and today",
            errors=[FieldError(field="departed_on", code="out_of_range", message="")],
        )
    resident.departed_on, resident.departed_at = departed_on, now
    resident.purge_after = departed_on + timedelta(days=retention_days)
    cards = (await repository.cards_of(session, [resident.id]))[resident.id]
    for card in cards:
        if card.status == "active":
            card.status, card.cancelled_at, card.cancel_reason = "cancelled", now, "departed"
    await occupancy.publish(session, await _compound(session, resident.compound_id), now=now)
    return resident, cards


async def replace_card(
    session: AsyncSession, caller: Identity, resident_id: uuid.UUID, reason: str, *, now: datetime
) -> tuple[Resident, list[Card]]:
    """A lost or damaged card: cancelled, and a new one issued (still one active card)."""
    resident = await visible_resident(session, caller, resident_id, for_update=True)
    if resident.departed_on is not None:
        raise ResidentDeparted(f"Resident {resident_id} departed on {resident.departed_on}")
    cards = (await repository.cards_of(session, [resident.id]))[resident.id]
    for card in cards:
        if card.status == "active":
            card.status, card.cancelled_at, card.cancel_reason = "cancelled", now, reason
    await session.flush()  # the old card cancelled before the new one (one active card)
    card = _new_card(resident, now)
    session.add(card)
    return resident, [*cards, card]


async def residents(
    session: AsyncSession,
    caller: Identity,
    *,
    compound_id: str | None,
    household: str | None,
    status: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[tuple[Resident, list[Card]]]:
    compounds = list(caller.compound_ids)
    if compound_id is not None:
        own_compound(caller, compound_id)
        compounds = [compound_id]
    found = list(
        await session.scalars(
            repository.residents_query(
                compounds, household=household, status=status, after=after, limit=limit
            )
        )
    )
    cards = await repository.cards_of(session, [r.id for r in found])
    return [(r, cards[r.id]) for r in found]


async def resident_with_cards(
    session: AsyncSession, caller: Identity, resident_id: uuid.UUID
) -> tuple[Resident, list[Card]]:
    resident = await visible_resident(session, caller, resident_id)
    return resident, (await repository.cards_of(session, [resident.id]))[resident.id]


async def identify(
    session: AsyncSession,
    caller: Identity,
    resident_id: uuid.UUID,
    *,
    purpose: str,
    vault: Vault,
    request_id: str,
    now: datetime,
) -> ResidentIdentity:
    """One resident's personal data in full, the read written to the audit log in the same
    unit of work (no answer without its record)."""
    resident = await visible_resident(session, caller, resident_id)
    if (
        resident.purged_at is not None
        or resident.name_enc is None
        or resident.id_number_enc is None
        or resident.phone_enc is None
        or resident.id_type is None
    ):
        raise ResidentNotFound(f"Resident {resident_id}'s personal data was deleted")
    session.add(
        PersonalRead(
            at=now,
            sub=caller.sub,
            role=caller.role,
            resident_id=resident.id,
            compound_id=resident.compound_id,
            fields="name,id_number,phone",
            purpose=purpose,
            request_id=request_id[:128],
        )
    )
    rid = resident.id
    return ResidentIdentity(
        id=rid,
        name=vault.open(resident.name_enc, row=rid, field="name"),
        id_type=resident.id_type,
        id_number=vault.open(resident.id_number_enc, row=rid, field="id_number"),
        phone=vault.open(resident.phone_enc, row=rid, field="phone"),
    )


def resident_read(resident: Resident, cards: list[Card]) -> ResidentRead:
    """A resident as every ordinary answer shows them: masked."""
    return ResidentRead(
        id=resident.id,
        compound_id=resident.compound_id,
        household=resident.household,
        tenure="owner" if resident.tenure == "owner" else "tenant",
        arrived_on=resident.arrived_on,
        departed_on=resident.departed_on,
        status="living" if resident.departed_on is None else "departed",
        name=resident.name_masked,
        id_type=resident.id_type,
        id_number=resident.id_number_masked,
        phone=resident.phone_masked,
        app_linked=resident.app_sub is not None,
        registered_at=resident.registered_at,
        purge_after=resident.purge_after,
        purged_at=resident.purged_at,
        cards=[
            CardRead(
                number=c.number,
                status="active" if c.status == "active" else "cancelled",
                issued_at=c.issued_at,
                cancelled_at=c.cancelled_at,
                cancel_reason=c.cancel_reason,
            )
            for c in cards
        ],
    )
