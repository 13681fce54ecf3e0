"""Use cases of the lighting service's reads: the lights with their status (the map's layer),
the circuits with their counts, the faults, a night's plan, energy per circuit and night, and
faults per 100 lights over a period."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.geojson import Feature, FeatureCollection, point
from zg_lighting.models import Circuit, EnergyNight, Fault, Light
from zg_lighting.schedule import Schedule
from zg_lighting.schemas import (
    CircuitList,
    CircuitRead,
    EnergyRead,
    EnergyRow,
    FaultList,
    FaultRead,
    LightingStats,
    LightProperties,
    NightPlan,
)


async def lights(
    session: AsyncSession,
    *,
    grid_id: str | None,
    circuit_id: str | None,
    with_problem: bool,
) -> FeatureCollection[LightProperties]:
    query = select(Light).order_by(Light.id)
    if grid_id is not None:
        query = query.where(Light.grid_id == grid_id)
    if circuit_id is not None:
        query = query.where(Light.circuit_id == circuit_id)
    if with_problem:
        query = query.where(Light.problem.is_not(None))
    return FeatureCollection[LightProperties](
        features=[
            Feature[LightProperties](
                id=light.id,
                geometry=point(light.lon, light.lat),
                properties=LightProperties.model_validate(light, from_attributes=True),
            )
            for light in await session.scalars(query)
        ]
    )


async def circuits(session: AsyncSession) -> CircuitList:
    counts = {
        row.circuit_id: row
        for row in await session.execute(
            select(
                Light.circuit_id,
                func.count().label("lights"),
                func.count().filter(Light.state.in_(("on", "dimmed"))).label("on"),
                func.count().filter(Light.state == "off").label("off"),
                func.count().filter(Light.state == "unknown").label("unknown"),
                func.count().filter(Light.problem.is_not(None)).label("with_problem"),
            ).group_by(Light.circuit_id)
        )
    }
    open_faults = dict(
        (f.target, f.id)
        for f in await session.scalars(
            select(Fault).where(Fault.cleared_at.is_(None), Fault.scope == "circuit")
        )
    )
    out = []
    for c in await session.scalars(select(Circuit).order_by(Circuit.id)):
        row = counts.get(c.id)
        out.append(
            CircuitRead(
                id=c.id,
                name=c.name,
                road=c.road,
                cabinet_id=c.cabinet_id,
                lights=row.lights if row else 0,
                on=row.on if row else 0,
                off=row.off if row else 0,
                unknown=row.unknown if row else 0,
                with_problem=row.with_problem if row else 0,
                open_fault=open_faults.get(c.id),
            )
        )
    return CircuitList(circuits=out)


async def faults(session: AsyncSession, *, open_only: bool, since: datetime | None) -> FaultList:
    query = select(Fault).order_by(Fault.opened_at.desc(), Fault.id).limit(1000)
    if open_only:
        query = query.where(Fault.cleared_at.is_(None))
    if since is not None:
        query = query.where(Fault.opened_at >= since)
    return FaultList(
        faults=[
            FaultRead.model_validate(f, from_attributes=True) for f in await session.scalars(query)
        ]
    )


def night_plan(schedule: Schedule, day: date) -> NightPlan:
    n = schedule.night(day)
    return NightPlan(
        day=n.day,
        season=n.season,
        sunset=n.sunset,
        on_at=n.on_at,
        dim_from=n.dim_from,
        dim_to=n.dim_to,
        dim_pct=n.dim_pct,
        off_at=n.off_at,
        sunrise=n.sunrise,
    )


async def energy(session: AsyncSession, since: date, until: date) -> EnergyRead:
    rows = list(
        await session.scalars(
            select(EnergyNight)
            .where(EnergyNight.night >= since, EnergyNight.night <= until)
            .order_by(EnergyNight.night, EnergyNight.circuit_id)
        )
    )
    return EnergyRead(
        since=since,
        until=until,
        nights=[
            EnergyRow(circuit_id=r.circuit_id, night=r.night, kwh=round(r.wh / 1000, 3))
            for r in rows
        ],
        total_kwh=round(sum(r.wh for r in rows) / 1000, 3),
    )


async def stats(
    session: AsyncSession, schedule: Schedule, since: date, until: date
) -> LightingStats:
    start = datetime.combine(since, time(0), tzinfo=schedule.zone)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=schedule.zone)
    total = int(await session.scalar(select(func.count()).select_from(Light)) or 0)
    opened = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Fault.lights), 0)).where(
                Fault.opened_at >= start, Fault.opened_at < end
            )
        )
    ).one()
    now = int(
        await session.scalar(
            select(func.count()).select_from(Light).where(Light.problem.is_not(None))
        )
        or 0
    )
    wh = await session.scalar(
        select(func.coalesce(func.sum(EnergyNight.wh), 0.0)).where(
            EnergyNight.night >= since, EnergyNight.night <= until
        )
    )
    return LightingStats(
        since=since,
        until=until,
        lights=total,
        faults_opened=int(opened[0]),
        lights_in_faults=int(opened[1]),
        faults_per_100_lights=round(100 * int(opened[1]) / total, 2) if total else 0.0,
        with_problem_now=now,
        kwh=round(float(wh or 0) / 1000, 3),
    )
