"""Departments and calendars kept by managers, against the real database: a year's holiday
schedule or a calendar's new hours recount the deadlines of the clocks running in it (and only
those), other routing processes pick the change up, every change is logged with who and why,
and bad schedules are refused with the field that is wrong."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import eventually
from zg_common.contracts.routing import CalendarChanged, CaseDeadlineMoved, DepartmentChanged
from zg_common.db import commit, unit_of_work, write_pending
from zg_common.errors import ValidationFailed
from zg_common.events import EventContract
from zg_common.identity import Identity
from zg_routing import audit, directory
from zg_routing.calendar import Clock
from zg_routing.models import HolidayYear, TrackedCase, outbox

pytestmark = pytest.mark.integration

LOCAL = timezone(timedelta(hours=8))
MANAGER = Identity(sub="mgr-1", role="manager", name="Manager")
HOUR = timedelta(hours=1)
Loaded = tuple[async_sessionmaker[AsyncSession], Clock]


def running(calendar_id: str, start: datetime, limit: timedelta, clock: Clock) -> TrackedCase:
    due = clock.calendars[calendar_id].add(start, limit)
    return TrackedCase(
        case_id=uuid.uuid4(),
        number=f"DIR-{uuid.uuid4().hex[:8]}",
        category="E0104",
        source="officer_handset",
        urgency="normal",
        status="dispatched",
        department_id="roads-contractor",
        calendar_id=calendar_id,
        limit_minutes=int(limit / timedelta(minutes=1)),
        clock_started_at=start,
        due_at=due,
        warn_at=clock.calendars[calendar_id].add(start, limit * 0.8),
        reported_at=start,
        updated_at=start,
    )


async def test_a_new_years_holidays_recount_running_office_clocks_only(
    routing_loaded: Loaded,
) -> None:
    sessions, clock = routing_loaded
    other_process = Clock(calendars=clock.calendars, limits=clock.limits, stamp=clock.stamp)
    start = datetime(2030, 2, 1, 9, 0, tzinfo=LOCAL)  # a Friday of a year with no schedule yet
    office = running("office", start, 14 * HOUR, clock)  # two working days
    police = running("24x7", start, 14 * HOUR, clock)
    office.warned_at = office.warn_at  # its 80 % was announced already
    async with unit_of_work(sessions) as session:
        session.add_all([office, police])
    before_office, before_police = office.due_at, police.due_at
    assert before_office == datetime(2030, 2, 5, 9, 0, tzinfo=LOCAL)  # Tue: Fri and Mon worked

    async with unit_of_work(sessions) as session:
        _, recounted = await directory.put_holiday_year(
            session,
            2030,
            source="a test schedule",
            off=[(date(2030, 2, 4), date(2030, 2, 8))],  # Mon-Fri off
            work=[date(2030, 2, 9)],  # Saturday worked instead
            reason="the State Council notice is out",
            caller=MANAGER,
            clock=clock,
        )
    assert recounted >= 1
    async with unit_of_work(sessions) as session:
        office_now = await session.get(TrackedCase, office.case_id)
        police_now = await session.get(TrackedCase, police.case_id)
        assert office_now is not None and police_now is not None
        # Friday's 6.5 h from 09:00, the make-up Saturday's 7 h, half an hour the Monday after
        assert office_now.due_at == datetime(2030, 2, 11, 9, 0, tzinfo=LOCAL)
        assert office_now.warn_at is not None and office_now.warn_at > start + 24 * HOUR
        assert office_now.warned_at is None  # moved later than announced: announced again
        assert police_now.due_at == before_police  # 24x7 works through holidays
        trail = await audit.changes_of(session, "holidays/2030")
        assert [(c.change, c.actor_sub, c.reason) for c in trail] == [
            ("created", "mgr-1", "the State Council notice is out")
        ]

    # the process that made the change has the new calendars; another one picks them up
    assert clock.calendars["office"].add(start, 14 * HOUR) == office_now.due_at
    assert other_process.calendars["office"].add(start, 14 * HOUR) == before_office
    async with unit_of_work(sessions) as session:
        assert await directory.refresh(session, other_process) is True
        assert await directory.refresh(session, other_process) is False
    assert other_process.calendars["office"].add(start, 14 * HOUR) == office_now.due_at

    async with unit_of_work(sessions) as session:  # the same schedule again changes nothing
        _, again = await directory.put_holiday_year(
            session, 2030, source="a test schedule", off=[(date(2030, 2, 4), date(2030, 2, 8))],
            work=[date(2030, 2, 9)], reason="again", caller=MANAGER, clock=clock,
        )  # fmt: skip
        assert again == 0
        assert len(await audit.changes_of(session, "holidays/2030")) == 1
        await session.execute(delete(HolidayYear).where(HolidayYear.year == 2030))
        await directory.next_version(session)
    async with unit_of_work(sessions) as session:
        await directory.refresh(session, clock)


async def test_calendar_changes_reach_every_process_in_commit_order(
    routing_loaded: Loaded,
) -> None:
    """A change that began first but commits last is not missed by another process: changes
    take the calendars' version in turn (the second waits for the first), and a process
    holding version n has every change up to it. Before, processes compared the rows' newest
    `updated_at`, which a late commit stamped earlier did not move."""
    sessions, clock = routing_loaded
    other_process = Clock(calendars=clock.calendars, limits=clock.limits, stamp=clock.stamp)
    week = {d: [("07:00", "21:00")] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    first = sessions()
    try:
        await directory.put_calendar(
            first,
            "extended",
            name="作业时段 07:00-21:00 daily",
            week=week,
            holidays=False,
            reason="winter hours",
            caller=MANAGER,
            clock=clock,
        )  # begun first, not committed yet

        async def second_change() -> None:
            async with unit_of_work(sessions) as session:
                await directory.put_holiday_year(
                    session, 2031, source="a test schedule",
                    off=[(date(2031, 3, 3), date(2031, 3, 4))], work=[],
                    reason="later, committed first before", caller=MANAGER, clock=clock,
                )  # fmt: skip

        second = asyncio.create_task(second_change())

        async def waiting_for_the_first() -> bool | None:
            async with sessions() as session:
                waiting = await session.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE '%calendar_version%'"
                    )
                )
            return True if waiting else None

        await eventually(waiting_for_the_first, timeout=10, what="the second change waiting")
        await commit(first)  # its outbox rows too, as unit_of_work does
        await second
    finally:
        await first.close()
    async with unit_of_work(sessions) as session:
        assert await directory.refresh(session, other_process) is True
    assert other_process.calendars["extended"].week == clock.calendars["extended"].week
    assert other_process.stamp == clock.stamp
    async with unit_of_work(sessions) as session:  # the data set's hours back
        original = {d: [("06:00", "22:00")] for d in week}
        await directory.put_calendar(
            session, "extended", name="作业时段 06:00-22:00 daily", week=original,
            holidays=False, reason="back", caller=MANAGER, clock=clock,
        )  # fmt: skip
        await session.execute(delete(HolidayYear).where(HolidayYear.year == 2031))
        await directory.next_version(session)
    async with unit_of_work(sessions) as session:
        await directory.refresh(session, clock)


@pytest.mark.parametrize(
    ("off", "work", "field", "code"),
    [
        ([(date(2031, 5, 5), date(2031, 5, 1))], [], "off[0]", "range_inverted"),
        ([(date(2032, 5, 1), date(2032, 5, 5))], [], "off[0]", "other_year"),
        ([(date(2031, 5, 1), date(2031, 5, 5))], [date(2031, 5, 3)], "work[0]", "both"),
        ([], [date(2032, 1, 3)], "work[0]", "other_year"),
    ],
)
async def test_a_bad_schedule_is_refused_naming_the_field(
    routing_loaded: Loaded, off: list[tuple[date, date]], work: list[date], field: str,
    code: str,
) -> None:  # fmt: skip
    sessions, clock = routing_loaded
    with pytest.raises(ValidationFailed) as refused:
        async with unit_of_work(sessions) as session:
            await directory.put_holiday_year(
                session, 2031, source="s", off=off, work=work, reason="r", caller=MANAGER,
                clock=clock,
            )  # fmt: skip
    assert [(e.field, e.code) for e in refused.value.errors] == [(field, code)]


E = TypeVar("E", bound=EventContract)


async def published(session: AsyncSession, contract: type[E], key: str) -> list[E]:
    """The events of a type routing wrote to its outbox for a key, oldest first."""
    await write_pending(session)  # the transaction's events are written at its commit
    rows = await session.scalars(
        select(outbox.table.c.payload)
        .where(outbox.table.c.event_type == contract.event_type, outbox.table.c.key == key)
        .order_by(outbox.table.c.seq)
    )
    return [contract.model_validate(row["data"]) for row in rows]


async def test_new_hours_recount_the_calendars_running_clocks(routing_loaded: Loaded) -> None:
    sessions, clock = routing_loaded
    start = datetime(2026, 12, 1, 8, 0, tzinfo=LOCAL)
    case = running("extended", start, 20 * HOUR, clock)  # 06-22: 14 h on day one, 6 h after
    async with unit_of_work(sessions) as session:
        session.add(case)
    assert case.due_at == datetime(2026, 12, 2, 12, 0, tzinfo=LOCAL)
    week = {d: [("07:00", "21:00")] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    try:
        async with unit_of_work(sessions) as session:
            _, recounted = await directory.put_calendar(
                session, "extended", name="作业时段 07:00-21:00 daily", week=week,
                holidays=False, reason="winter hours", caller=MANAGER, clock=clock,
            )  # fmt: skip
        assert recounted >= 1
        async with unit_of_work(sessions) as session:
            now = await session.get(TrackedCase, case.case_id)
            assert now is not None
            assert now.due_at == datetime(2026, 12, 2, 14, 0, tzinfo=LOCAL)  # 13 h + 7 h
            # published: the calendar's new hours, and the deadline it moved
            hours = await published(session, CalendarChanged, "extended")
            assert hours[-1].week["mon"] == [["07:00", "21:00"]] and hours[-1].change == "updated"
            moved = await published(session, CaseDeadlineMoved, str(case.case_id))
            assert [(m.previous_due_at, m.due_at) for m in moved] == [
                (datetime(2026, 12, 2, 12, 0, tzinfo=LOCAL), now.due_at)
            ]
            assert moved[0].reason == "calendar extended changed"
    finally:  # the data set's hours back, for the other tests
        original = {d: [("06:00", "22:00")] for d in week}
        async with unit_of_work(sessions) as session:
            await directory.put_calendar(
                session, "extended", name="作业时段 06:00-22:00 daily", week=original,
                holidays=False, reason="back", caller=MANAGER, clock=clock,
            )  # fmt: skip

    with pytest.raises(ValidationFailed) as refused:
        async with unit_of_work(sessions) as session:
            await directory.put_calendar(
                session, "night", name="night", week={"mon": [("22:00", "06:00")]},
                holidays=False, reason="r", caller=MANAGER, clock=clock,
            )  # fmt: skip
    assert refused.value.errors[0].code == "invalid_hours"
    with pytest.raises(ValidationFailed) as refused:
        async with unit_of_work(sessions) as session:
            await directory.put_calendar(
                session, "never", name="never", week={}, holidays=False, reason="r",
                caller=MANAGER, clock=clock,
            )  # fmt: skip
    assert refused.value.errors[0].code == "no_working_time"


async def test_department_changes_are_checked_and_logged(routing_loaded: Loaded) -> None:
    sessions, clock = routing_loaded
    contacts = [{"role": "duty", "name": "值班室", "phone": "0551-6300 9999"}]
    async with unit_of_work(sessions) as session:
        department = await directory.update_department(
            session, "transport", {"calendar": "24x7", "contacts": contacts},
            reason="a 24-hour desk from December", caller=MANAGER, clock=clock,
        )  # fmt: skip
        assert department.calendar == "24x7"
        trail = await audit.changes_of(session, "department/transport")
        last = trail[-1]
        assert last.before is not None and last.after is not None
        assert set(last.after) == {"calendar", "contacts"}
        assert last.before["calendar"] == "office"
        announced = await published(session, DepartmentChanged, "transport")
        assert announced[-1].calendar_id == "24x7" and announced[-1].change == "updated"
        assert "contacts" not in announced[-1].model_dump(), "personal data stays in routing"
        await directory.update_department(
            session, "transport", {"calendar": "office"}, reason="back", caller=MANAGER,
            clock=clock,
        )  # fmt: skip
    for changes, code in (({"calendar": "lunar"}, "unknown_calendar"), ({"grids": ["G99"]},
                          "unknown_grid")):  # fmt: skip
        with pytest.raises(ValidationFailed) as refused:
            async with unit_of_work(sessions) as session:
                await directory.update_department(
                    session, "transport", changes, reason="r", caller=MANAGER, clock=clock
                )
        assert refused.value.errors[0].code == code
