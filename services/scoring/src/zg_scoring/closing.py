"""Closing a month (月结): when the month's close moment has passed (by default the 5th of the
next month at 00:00 local), its reports — the district's, each department's, each grid's — are
taken as they stand, and `scoring.period.closed.v1` says they are final. Events that change the
month later still change the live numbers; the report lists them as changes since."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.scoring import REPLAYED_TOPICS, PeriodClosed
from zg_common.db import unit_of_work
from zg_common.kafka import end_offsets, group_behind
from zg_scoring import facts, reports, repository
from zg_scoring.consumers import PROJECTION_GROUP
from zg_scoring.district import Figures
from zg_scoring.models import MonthlyReport, outbox
from zg_scoring.periods import LOCAL_TZ, Period, local_day, month_of
from zg_scoring.runtime import ScoringRuntime

log = logging.getLogger(__name__)


def close_moment(month: Period, day: int, at: time) -> datetime:
    following = month.last + timedelta(days=1)
    return datetime.combine(date(following.year, following.month, day), at, LOCAL_TZ)


def closable(now: datetime, day: int, at: time) -> Period:
    """The latest month whose close moment has passed."""
    previous = month_of(local_day(now).replace(day=1) - timedelta(days=1))
    if now >= close_moment(previous, day, at):
        return previous
    return month_of(previous.first - timedelta(days=1))


async def close(
    session: AsyncSession,
    period: Period,
    *,
    now: datetime,
    categories: dict[str, tuple[str, str]],
    district: tuple[str, str],
    figures: Figures | None = None,
) -> bool:
    """Take the month's reports unless they were taken; True when this call took them."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('scoring.close'), hashtext(:period))"),
        {"period": period.label},
    )
    taken = await session.scalar(
        select(MonthlyReport.period).where(MonthlyReport.period == period.label).limit(1)
    )
    if taken is not None:
        return False
    scopes = [reports.DISTRICT]
    scopes += [f"department/{d.id}" for d in await repository.departments(session)]
    scopes += [f"grid/{g.id}" for g in await facts.grids(session)]
    district_report = None
    lines = await reports.all_lines(session, period)
    for scope in scopes:
        content = await reports.build(
            session, period, scope, categories, district, lines, figures=figures
        )
        district_report = district_report or content
        session.add(
            MonthlyReport(
                period=period.label,
                scope=scope,
                taken_at=now,
                content=content.model_dump(mode="json"),
            )
        )
    assert district_report is not None
    await outbox.add(
        session,
        PeriodClosed(
            period=period.label,
            first_day=period.first,
            last_day=period.last,
            rules_version=district_report.rules.version,
            reports=scopes,
            departments=len(district_report.departments),
            officers=len(district_report.officers),
            grids=len(district_report.grids),
            closed_at=now,
        ),
        subject=period.label,
    )
    log.info("month closed", extra={"period": period.label, "reports": len(scopes)})
    return True


async def closer(runtime: ScoringRuntime) -> None:
    """Background loop: close the latest month once its close moment has passed."""
    settings, state = runtime.settings, runtime.state
    closed: set[str] = set()
    while True:
        now = datetime.now(UTC)
        month = closable(now, settings.report_close_day, settings.report_close_time)
        if month.label not in closed and await caught_up(runtime):
            async with unit_of_work(runtime.sessions) as session:
                await close(
                    session,
                    month,
                    now=now,
                    categories=state.categories,
                    district=state.district,
                    figures=state.figures,
                )
            closed.add(month.label)
        await asyncio.sleep(settings.report_check_s)


async def caught_up(runtime: ScoringRuntime, *, tries: int = 30) -> bool:
    """The projection has applied everything published before this call (a month's snapshot
    taken earlier would miss a backlog: after a restart, after an outage)."""
    kafka = runtime.settings.kafka
    try:
        ends = await end_offsets(kafka, REPLAYED_TOPICS)
        for _ in range(tries):
            behind = await group_behind(kafka, PROJECTION_GROUP, ends)
            if behind == 0:
                return True
            await asyncio.sleep(1.0)
    except Exception:
        log.warning("the projection's progress is unknown; the month waits", exc_info=True)
        return False
    log.info("the month waits for the projection to catch up", extra={"behind": behind})
    return False
