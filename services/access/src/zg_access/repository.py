"""Queries of the access service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_access.models import Card, Compound, Gate, Household, PersonalRead, Resident, Swipe


async def compounds(
    session: AsyncSession,
    ids: Sequence[str] | None,
    *,
    grids: Sequence[str] | None = None,
) -> list[Compound]:
    """The compounds of these ids and grids (None: any)."""
    query = select(Compound).order_by(Compound.id)
    if ids is not None:
        query = query.where(Compound.id.in_(sorted(ids)))
    if grids is not None:
        query = query.where(Compound.grid_id.in_(sorted(grids)))
    return list(await session.scalars(query))


async def gates_of(session: AsyncSession, compound_ids: Sequence[str]) -> dict[str, list[Gate]]:
    out: dict[str, list[Gate]] = {c: [] for c in compound_ids}
    for gate in await session.scalars(
        select(Gate).where(Gate.compound_id.in_(sorted(compound_ids))).order_by(Gate.id)
    ):
        out[gate.compound_id].append(gate)
    return out


async def occupancy(
    session: AsyncSession, compound_ids: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """Per compound: residents living there, households with one of them."""
    rows = await session.execute(
        select(
            Resident.compound_id,
            func.count(),
            func.count(func.distinct(Resident.household)),
        )
        .where(Resident.departed_on.is_(None), Resident.compound_id.in_(sorted(compound_ids)))
        .group_by(Resident.compound_id)
    )
    return {c: (n, h) for c, n, h in rows}


async def movements(
    session: AsyncSession, compound_ids: Sequence[str] | None, since: date, until: date
) -> dict[str, tuple[int, int]]:
    """Per compound: arrivals and departures on the days since..until (both included)."""
    arrived = and_(Resident.arrived_on >= since, Resident.arrived_on <= until)
    departed = and_(Resident.departed_on >= since, Resident.departed_on <= until)
    query = (
        select(
            Resident.compound_id,
            func.count().filter(arrived),
            func.count().filter(departed),
        )
        .where(or_(arrived, departed))
        .group_by(Resident.compound_id)
    )
    if compound_ids is not None:
        query = query.where(Resident.compound_id.in_(sorted(compound_ids)))
    return {c: (a, d) for c, a, d in await session.execute(query)}


async def household_counts(session: AsyncSession, compound_id: str) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(Household.number, func.count(Resident.id))
        .outerjoin(
            Resident,
            and_(
                Resident.compound_id == Household.compound_id,
                Resident.household == Household.number,
                Resident.departed_on.is_(None),
            ),
        )
        .where(Household.compound_id == compound_id)
        .group_by(Household.number)
        .order_by(Household.number)
    )
    return list(rows)


async def household_exists(session: AsyncSession, compound_id: str, number: str) -> bool:
    found = await session.scalar(
        select(Household.number).where(
            Household.compound_id == compound_id, Household.number == number
        )
    )
    return found is not None


async def living_by_lookup(session: AsyncSession, lookup: str) -> Resident | None:
    resident: Resident | None = await session.scalar(
        select(Resident).where(Resident.id_lookup == lookup, Resident.departed_on.is_(None))
    )
    return resident


async def resident(
    session: AsyncSession, resident_id: uuid.UUID, *, for_update: bool = False
) -> Resident | None:
    query = select(Resident).where(Resident.id == resident_id)
    if for_update:
        query = query.with_for_update()
    found: Resident | None = await session.scalar(query)
    return found


def residents_query(
    compound_ids: Sequence[str],
    *,
    household: str | None,
    status: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> Select[Resident]:
    query = select(Resident).where(Resident.compound_id.in_(sorted(compound_ids)))
    if household is not None:
        query = query.where(Resident.household == household)
    if status == "living":
        query = query.where(Resident.departed_on.is_(None))
    elif status == "departed":
        query = query.where(Resident.departed_on.is_not(None))
    if after is not None:
        query = query.where(Resident.id > after)
    return query.order_by(Resident.id).limit(limit)


async def cards_of(
    session: AsyncSession, resident_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Card]]:
    out: dict[uuid.UUID, list[Card]] = {r: [] for r in resident_ids}
    if not resident_ids:
        return out
    for card in await session.scalars(
        select(Card).where(Card.resident_id.in_(resident_ids)).order_by(Card.issued_at)
    ):
        out[card.resident_id].append(card)
    return out


async def cards_by_number(session: AsyncSession, numbers: Sequence[str]) -> dict[str, Card]:
    found = await session.scalars(select(Card).where(Card.number.in_(sorted(set(numbers)))))
    return {c.number: c for c in found}


async def refused_since(session: AsyncSession, gate_id: str, since: datetime) -> int:
    n = await session.scalar(
        select(func.count())
        .select_from(Swipe)
        .where(Swipe.gate_id == gate_id, Swipe.at >= since, Swipe.refusal.is_not(None))
    )
    return int(n or 0)


async def swipes_of_cards(
    session: AsyncSession, numbers: Sequence[str], *, limit: int
) -> list[Swipe]:
    if not numbers:
        return []
    return list(
        await session.scalars(
            select(Swipe)
            .where(Swipe.card_number.in_(sorted(numbers)))
            .order_by(Swipe.at.desc())
            .limit(limit)
        )
    )


async def personal_reads(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> list[PersonalRead]:
    query = select(PersonalRead).order_by(PersonalRead.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(PersonalRead.id < before_id)
    return list(await session.scalars(query))
