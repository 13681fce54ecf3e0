"""Use cases of the compounds: what a caller sees of them (places, gates, counts; never a
person). Row rule: property staff their compounds; officers and the command centre all (a
compound's place, gates and counts are what an officer on any round may need)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from zg_access import repository
from zg_access.exceptions import CompoundNotFound
from zg_access.models import Compound, Gate, PersonalRead
from zg_access.schemas import CompoundRead, GateRead, HouseholdList, HouseholdRead, Occupancy
from zg_common.identity import Identity


def compound_filter(caller: Identity) -> list[str] | None:
    """The compounds the caller sees: property staff and vendors' keys theirs; None: all."""
    if caller.role in ("property_staff", "partner"):
        return list(caller.compound_ids)
    return None


async def visible_compounds(
    session: AsyncSession, caller: Identity, *, grid_id: str | None = None
) -> list[Compound]:
    grids = None if grid_id is None else [grid_id]
    return await repository.compounds(session, compound_filter(caller), grids=grids)


def _gate_read(gate: Gate) -> GateRead:
    return GateRead(
        id=gate.id,
        name=gate.name,
        grid_id=gate.grid_id,
        lat=gate.lat,
        lon=gate.lon,
        status="online"
        if gate.status == "online"
        else "silent"
        if gate.status == "silent"
        else "unknown",
        status_since=gate.status_since,
        last_heard_at=gate.last_heard_at,
    )


async def compound_reads(
    session: AsyncSession, compounds: Sequence[Compound]
) -> list[CompoundRead]:
    ids = [c.id for c in compounds]
    gates = await repository.gates_of(session, ids)
    counts = await repository.occupancy(session, ids)
    return [
        CompoundRead(
            id=c.id,
            name=c.name,
            property_company=c.property_company,
            grid_id=c.grid_id,
            lat=c.lat,
            lon=c.lon,
            occupancy=Occupancy(
                residents=counts.get(c.id, (0, 0))[0],
                households=c.households,
                households_occupied=counts.get(c.id, (0, 0))[1],
            ),
            gates=[_gate_read(g) for g in gates[c.id]],
        )
        for c in compounds
    ]


async def one_compound(session: AsyncSession, caller: Identity, compound_id: str) -> CompoundRead:
    ids = compound_filter(caller)
    found = await repository.compounds(session, [compound_id])
    if not found or (ids is not None and compound_id not in ids):
        raise CompoundNotFound(f"No compound {compound_id} among the caller's")
    return (await compound_reads(session, found))[0]


async def households(session: AsyncSession, caller: Identity, compound_id: str) -> HouseholdList:
    await one_compound(session, caller, compound_id)
    rows = await repository.household_counts(session, compound_id)
    return HouseholdList(
        compound_id=compound_id,
        households=[HouseholdRead(number=n, residents=r) for n, r in rows],
    )


async def personal_reads(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> list[PersonalRead]:
    return await repository.personal_reads(session, before_id=before_id, limit=limit)
