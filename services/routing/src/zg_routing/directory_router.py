"""HTTP endpoints of routing's directory: departments (contacts, calendar, grids), working
calendars and the holiday schedule, with their change logs. The routing rules and the case
lifecycle are in `router`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path

from zg_common.authz import require
from zg_common.changelog import ChangeRead
from zg_common.db import SessionDep
from zg_common.identity import Identity
from zg_routing import audit, directory, repository
from zg_routing.dependencies import ClockDep
from zg_routing.models import Department, HolidayYear
from zg_routing.schemas import (
    CalendarRead,
    CalendarUpdate,
    Contact,
    DaySpan,
    DepartmentRead,
    DepartmentUpdate,
    HolidayYearRead,
    HolidayYearUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["routing"])


@router.get("/departments", response_model=list[DepartmentRead], summary="Departments")
async def read_departments(
    caller: Annotated[Identity, require("departments.read")], session: SessionDep
) -> list[DepartmentRead]:
    return [_department(d) for d in await repository.list_departments(session)]


def _department(d: Department) -> DepartmentRead:
    return DepartmentRead.model_validate(d, from_attributes=True)


DepartmentId = Annotated[str, Path(max_length=50)]


@router.get("/departments/{department_id}", response_model=DepartmentRead, summary="A department")
async def read_department(
    caller: Annotated[Identity, require("departments.read")],
    department_id: DepartmentId,
    session: SessionDep,
) -> DepartmentRead:
    return _department(await directory.get_department(session, department_id))


@router.get(
    "/departments/{department_id}/contacts",
    response_model=list[Contact],
    summary="Who to call at a department: duty line, liaison, person in charge",
)
async def read_contacts(
    caller: Annotated[Identity, require("departments.contacts")],
    department_id: DepartmentId,
    session: SessionDep,
) -> list[Contact]:
    department = await directory.get_department(session, department_id)
    return [Contact.model_validate(c) for c in department.contacts]


Director = Annotated[Identity, require("directory.manage")]
Auditor = Annotated[Identity, require("directory.changes")]


@router.patch(
    "/departments/{department_id}",
    response_model=DepartmentRead,
    summary="Change a department's names, calendar, grids or contacts (logged); cases already "
    "dispatched keep their deadlines",
)
async def update_department(
    caller: Director,
    department_id: DepartmentId,
    body: DepartmentUpdate,
    clock: ClockDep,
    session: SessionDep,
) -> DepartmentRead:
    changes = body.model_dump(exclude_none=True, exclude={"reason"})
    department = await directory.update_department(
        session,
        department_id,
        changes,
        reason=body.reason,
        caller=caller,
        clock=clock,
    )
    return _department(department)


@router.get(
    "/departments/{department_id}/changes",
    response_model=list[ChangeRead],
    summary="The change log of a department",
)
async def department_changes(
    caller: Auditor, department_id: DepartmentId, session: SessionDep
) -> list[ChangeRead]:
    return await audit.change_reads(session, f"department/{department_id}")


@router.get(
    "/calendars/holidays",
    response_model=list[HolidayYearRead],
    summary="The public holiday schedule, year by year",
)
async def read_holidays(
    caller: Annotated[Identity, require("calendars.read")], session: SessionDep
) -> list[HolidayYearRead]:
    return [_year(y) for y in await directory.list_holiday_years(session)]


def _year(y: HolidayYear) -> HolidayYearRead:
    return HolidayYearRead(
        year=y.year,
        source=y.source,
        off=[DaySpan.model_validate(span) for span in y.off],
        work=[date.fromisoformat(d) for d in y.work],
        updated_at=y.updated_at,
    )


Year = Annotated[int, Path(ge=2000, le=2100)]


@router.put(
    "/calendars/holidays/{year}",
    response_model=HolidayYearRead,
    summary="Set a year's holiday schedule (logged); running deadlines in calendars that keep "
    "public holidays are recounted",
)
async def put_holidays(
    caller: Director, year: Year, body: HolidayYearUpdate, clock: ClockDep, session: SessionDep
) -> HolidayYearRead:
    row, _ = await directory.put_holiday_year(
        session,
        year,
        source=body.source,
        off=[(span.from_, span.to) for span in body.off],
        work=body.work,
        reason=body.reason,
        caller=caller,
        clock=clock,
    )
    return _year(row)


@router.get(
    "/calendars/holidays/{year}/changes",
    response_model=list[ChangeRead],
    summary="The change log of a year's holiday schedule",
)
async def holiday_changes(caller: Auditor, year: Year, session: SessionDep) -> list[ChangeRead]:
    return await audit.change_reads(session, f"holidays/{year}")


@router.get("/calendars", response_model=list[CalendarRead], summary="Working calendars")
async def read_calendars(
    caller: Annotated[Identity, require("calendars.read")], session: SessionDep
) -> list[CalendarRead]:
    return [
        CalendarRead.model_validate(c, from_attributes=True)
        for c in await directory.list_calendars(session)
    ]


CalendarId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,19}$")]


@router.get("/calendars/{calendar_id}", response_model=CalendarRead, summary="A working calendar")
async def read_calendar(
    caller: Annotated[Identity, require("calendars.read")],
    calendar_id: CalendarId,
    session: SessionDep,
) -> CalendarRead:
    return CalendarRead.model_validate(
        await directory.get_calendar(session, calendar_id), from_attributes=True
    )


@router.put(
    "/calendars/{calendar_id}",
    response_model=CalendarRead,
    summary="Set a calendar's working hours, or add a calendar (logged); running deadlines in "
    "it are recounted in the new hours",
)
async def put_calendar(
    caller: Director,
    calendar_id: CalendarId,
    body: CalendarUpdate,
    clock: ClockDep,
    session: SessionDep,
) -> CalendarRead:
    row, _ = await directory.put_calendar(
        session,
        calendar_id,
        name=body.name,
        week=body.week,
        holidays=body.holidays,
        reason=body.reason,
        caller=caller,
        clock=clock,
    )
    return CalendarRead.model_validate(row, from_attributes=True)


@router.get(
    "/calendars/{calendar_id}/changes",
    response_model=list[ChangeRead],
    summary="The change log of a working calendar",
)
async def calendar_changes(
    caller: Auditor, calendar_id: CalendarId, session: SessionDep
) -> list[ChangeRead]:
    return await audit.change_reads(session, f"calendar/{calendar_id}")
