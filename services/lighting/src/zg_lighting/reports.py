"""The street-lighting platform's reports: each light's state, dimming, power and fault code,
taken in time order per light, and the energy they tell (power × the time to the next report,
up to `ZG_LIGHTING_ENERGY_GAP_CAP_S`, summed per circuit and night)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_lighting.models import EnergyNight, Light
from zg_lighting.schedule import Schedule
from zg_lighting.schemas import ReportIn, ReportRefusal

CLOCK_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=2)


async def receive(
    session: AsyncSession,
    reports: list[ReportIn],
    *,
    schedule: Schedule,
    gap_cap: timedelta,
    now: datetime,
) -> tuple[int, list[ReportRefusal]]:
    ids = sorted({r.light_id for r in reports})
    lights = {
        light.id: light
        for light in await session.scalars(
            select(Light).where(Light.id.in_(ids)).order_by(Light.id).with_for_update()
        )
    }
    refused: list[ReportRefusal] = []
    energy: dict[tuple[str, date], float] = defaultdict(float)
    taken = 0
    for n, report in sorted(enumerate(reports), key=lambda item: item[1].at):
        light = lights.get(report.light_id)
        if light is None:
            refused.append(ReportRefusal(index=n, code="unknown_light", message="no such light"))
            continue
        if report.at > now + CLOCK_SKEW or report.at < now - MAX_AGE:
            message = "in the future or over two days old"
            refused.append(ReportRefusal(index=n, code="stale_or_future", message=message))
            continue
        taken += 1
        if light.reported_at is not None and report.at <= light.reported_at:
            continue  # a repeat or an older one: nothing new
        if light.reported_at is not None and light.state in ("on", "dimmed") and light.power_w:
            hours = min(report.at - light.reported_at, gap_cap).total_seconds() / 3600
            energy[(light.circuit_id, schedule.night_of(light.reported_at))] += (
                light.power_w * hours
            )
        light.state, light.dim_pct = report.state, report.dim_pct
        light.power_w, light.fault_code = report.power_w, report.fault
        light.reported_at = report.at
    for (circuit_id, night), wh in sorted(energy.items()):
        insert = pg_insert(EnergyNight).values(circuit_id=circuit_id, night=night, wh=wh)
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["circuit_id", "night"],
                set_={"wh": EnergyNight.wh + insert.excluded.wh},
            )
        )
    return taken, sorted(refused, key=lambda r: r.index)
