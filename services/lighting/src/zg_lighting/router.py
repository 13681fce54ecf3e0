"""HTTP endpoints of the street lights: the status layer of the map (GeoJSON), circuits,
faults, a night's plan, energy, faults per 100 lights; and the street-lighting platform's
reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from zg_common.authz import require
from zg_common.db import ReadSessionDep, SessionDep
from zg_common.errors import FieldError, ValidationFailed
from zg_common.geojson import FeatureCollection, GeoJSONResponse
from zg_common.identity import Identity
from zg_lighting import reports, service
from zg_lighting.dependencies import SettingsDep, StateDep
from zg_lighting.schemas import (
    CIRCUIT_ID,
    CircuitList,
    EnergyRead,
    FaultList,
    LightingStats,
    LightProperties,
    NightPlan,
    ReportsIn,
    ReportsRead,
)

router = APIRouter(prefix="/api/v1/lighting", tags=["lighting"])
Reader = Annotated[Identity, require("lighting.read")]


FIRST, LAST = date(2000, 1, 1), date(2199, 12, 31)  # the days a schedule is computed for
Day = Annotated[date | None, Query(ge=FIRST, le=LAST)]


def _period(since: date | None, until: date | None, today: date) -> tuple[date, date]:
    until = until or today
    since = since or max(until - timedelta(days=29), FIRST)
    if since > until or (until - since).days > 366:
        raise ValidationFailed(
            "since must be on or before until, at most a year apart",
            errors=[FieldError(field="since", code="out_of_range", message="")],
        )
    return since, until


@router.get(
    "/lights",
    response_model=FeatureCollection[LightProperties],
    response_class=GeoJSONResponse,
    summary="The street lights with their state and problem (the map's status layer)",
)
async def read_lights(
    caller: Reader,
    session: ReadSessionDep,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
    circuit_id: Annotated[str | None, Query(pattern=CIRCUIT_ID)] = None,
    with_problem: bool = False,
) -> FeatureCollection[LightProperties]:
    return await service.lights(
        session, grid_id=grid_id, circuit_id=circuit_id, with_problem=with_problem
    )


@router.get("/circuits", response_model=CircuitList, summary="Circuits with their lights' counts")
async def read_circuits(caller: Reader, session: ReadSessionDep) -> CircuitList:
    return await service.circuits(session)


@router.get("/faults", response_model=FaultList, summary="Faults asked to be cases, newest first")
async def read_faults(
    caller: Reader,
    session: ReadSessionDep,
    open_only: bool = Query(default=False, alias="open"),
    since: datetime | None = None,
) -> FaultList:
    return await service.faults(session, open_only=open_only, since=since)


@router.get("/schedule", response_model=NightPlan, summary="A night's switching plan")
async def read_schedule(caller: Reader, state: StateDep, day: Day = None) -> NightPlan:
    return service.night_plan(state.schedule, day or state.schedule.night_of(datetime.now(UTC)))


@router.get("/energy", response_model=EnergyRead, summary="Energy per circuit and night (kWh)")
async def read_energy(
    caller: Reader,
    state: StateDep,
    session: ReadSessionDep,
    since: Day = None,
    until: Day = None,
) -> EnergyRead:
    since, until = _period(since, until, state.schedule.night_of(datetime.now(UTC)))
    return await service.energy(session, since, until)


@router.get(
    "/stats",
    response_model=LightingStats,
    summary="Faults per 100 lights and energy over a period (default: the last 30 days)",
)
async def read_stats(
    caller: Reader,
    state: StateDep,
    session: ReadSessionDep,
    since: Day = None,
    until: Day = None,
) -> LightingStats:
    since, until = _period(since, until, state.schedule.night_of(datetime.now(UTC)))
    return await service.stats(session, state.schedule, since, until)


@router.post(
    "/reports",
    response_model=ReportsRead,
    summary="Lights' states from the street-lighting platform (up to 2,000 a call)",
    description="Each light's state (on, off, dimmed), dimming, power and fault code. Reports for "
    "unknown lights or over two days old or in the future are listed as refused. The lights "
    "are judged every ZG_LIGHTING_EVALUATE_INTERVAL_S: a fault code, or a light off when the "
    "schedule has it on (or on by day), lasting ZG_LIGHTING_FAULT_AFTER_S becomes a case "
    "(C0109) — one per dead circuit, else one per pole — and its clearing passes the case's "
    "check.",
)
async def receive_reports(
    caller: Annotated[Identity, require("lighting.report")],
    body: ReportsIn,
    state: StateDep,
    settings: SettingsDep,
    session: SessionDep,
) -> ReportsRead:
    taken, refused = await reports.receive(
        session,
        body.reports,
        schedule=state.schedule,
        gap_cap=timedelta(seconds=settings.energy_gap_cap_s),
        now=datetime.now(UTC),
    )
    return ReportsRead(taken=taken, refused=refused)
