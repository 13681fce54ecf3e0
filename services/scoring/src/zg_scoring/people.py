"""Use cases of the officer and grid indicators: computed live from the facts of a period."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import Scope
from zg_common.errors import GridNotFound, OfficerNotFound
from zg_scoring import facts, grids, indicators, officers, service
from zg_scoring.indicators import CaseSet, descending, round2
from zg_scoring.periods import Period
from zg_scoring.repository import period_rows
from zg_scoring.schemas import (
    CaseLine,
    GridCases,
    GridScore,
    GridScores,
    OfficerEntries,
    OfficerScore,
    OfficerScores,
    PointEntry,
)
from zg_scoring.service import period_out, rules_on, rules_versions


async def _officer_lines(session: AsyncSession, period: Period) -> list[OfficerScore]:
    versions = await rules_versions(session)
    the_facts = await facts.officer_facts(session, period)
    entries = officers.entries(the_facts, period, versions)
    rates = officers.supervisor_rates(the_facts, period)
    known = {o.id: o for o in await facts.officers(session)}
    by_badge: dict[str, list[officers.Entry]] = defaultdict(list)
    for e in entries:
        by_badge[e.badge].append(e)
    badges = {b for b, o in known.items() if not o.retired} | set(by_badge) | set(rates)
    lines = []
    for badge in sorted(badges):
        mine = by_badge.get(badge, [])
        r = rates.get(badge) or officers.SupervisorRates(0, 0, 0, 0, 0, 0, 0, 0)
        officer = known.get(badge)
        counted = bool(mine) or r.reports or r.verifications or r.checks or r.missed_report_base
        lines.append(
            OfficerScore(
                badge=badge,
                name=officer.name if officer else badge,
                grid_id=officer.grid_id if officer else None,
                rank=0 if counted else None,  # ranked below
                grid_rank=None,
                points=round2(sum(e.points for e in mine)) or 0.0,
                earned=round2(sum(e.points for e in mine if e.points > 0)) or 0.0,
                lost=round2(sum(e.points for e in mine if e.points < 0)) or 0.0,
                reports=r.reports,
                valid_reports=r.valid_reports,
                valid_report_rate=round2(r.valid_report_rate),
                verifications=r.verifications,
                verified_on_time=r.verified_on_time,
                on_time_verify_rate=round2(r.on_time_verify_rate),
                checks=r.checks,
                checked_on_time=r.checked_on_time,
                on_time_check_rate=round2(r.on_time_check_rate),
                missed_reports=r.missed_reports,
                missed_report_base=r.missed_report_base,
                missed_report_rate=round2(r.missed_report_rate),
                entries=dict(sorted(Counter(e.rule for e in mine).items())),
            )
        )
    return _ranked_officers(lines)


def _ranked_officers(lines: list[OfficerScore]) -> list[OfficerScore]:
    """By points, highest first, ties by badge; within each grid too. An officer with nothing
    counted in the period is listed after, unranked."""

    def order(rows: list[OfficerScore]) -> list[tuple[int | None, OfficerScore]]:
        return indicators.rank(
            rows,
            composite=lambda x: None if x.rank is None else x.points,
            tie_breaks=lambda x: (x.badge,),
        )

    grid_rank: dict[str, int | None] = {}
    by_grid: dict[str | None, list[OfficerScore]] = defaultdict(list)
    for line in lines:
        by_grid[line.grid_id].append(line)
    for rows in by_grid.values():
        grid_rank.update({x.badge: n for n, x in order(rows)})
    return [
        x.model_copy(update={"rank": n, "grid_rank": grid_rank[x.badge]}) for n, x in order(lines)
    ]


async def officer_scores(session: AsyncSession, period: Period, scope: Scope) -> OfficerScores:
    """Every officer's line; an officer sees the officers of their grid (their own included)."""
    _, ref = await rules_on(session, period.last)
    lines = await _officer_lines(session, period)
    visible = [x for x in lines if scope.sees(grid_id=x.grid_id)]
    return OfficerScores(period=period_out(period), rules=ref, officers=visible)


async def officer_entries(
    session: AsyncSession, period: Period, badge: str, scope: Scope, *, caller_badge: str | None
) -> OfficerEntries:
    """The events behind an officer's points (an officer: their own only)."""
    known = {o.id: o for o in await facts.officers(session)}
    officer = known.get(badge)
    if officer is None or not (scope.everything or caller_badge == badge):
        raise OfficerNotFound(f"No officer {badge}")
    versions = await rules_versions(session)
    the_facts = await facts.officer_facts(session, period)
    mine = [e for e in officers.entries(the_facts, period, versions) if e.badge == badge]
    return OfficerEntries(
        period=period_out(period),
        badge=badge,
        points=round2(sum(e.points for e in mine)) or 0.0,
        entries=[
            PointEntry(
                rule=e.rule,
                points=e.points,
                at=e.at,
                case_id=e.case_id,
                number=e.number,
                ref=e.ref,
            )
            for e in mine
        ],
    )


# --- grids -----------------------------------------------------------------------------------


async def _grid_cases(session: AsyncSession, period: Period) -> dict[str, CaseSet]:
    rows = await period_rows(session, period.start, period.end)
    ids = sorted({c for c, _ in rows.disposals} | {c for c, _ in rows.holds})
    grid_of = await facts.grids_of_cases(session, ids)
    return indicators.period_cases(
        disposals=rows.disposals,
        holds=rows.holds,
        returns=[],
        ratings=[],
        start=period.start,
        end=period.end,
        by=lambda case_id, _department: grid_of.get(case_id),
    )


async def grid_cases(
    session: AsyncSession, period: Period, grid_id: str, scope: Scope
) -> GridCases:
    """The drill-down of a grid: the cases filed in it and those its numbers count."""
    if grid_id not in {g.id for g in await facts.grids(session)} or not scope.sees(grid_id=grid_id):
        raise GridNotFound(f"No grid {grid_id}")
    lines = service.case_lines(
        (await _grid_cases(session, period)).get(grid_id, CaseSet()), period.end
    )
    for c in await facts.case_facts(session, period):
        if c.grid_id == grid_id and c.filed_at is not None and period.contains(c.filed_at):
            counts_in = ["filed"] + ["public_reports"] * (c.source in officers.PUBLIC)
            lines.append(
                CaseLine(
                    case_id=c.case_id, number=None, counts_in=counts_in, at=c.filed_at, due_at=None
                )
            )
    lines = await service.numbered(session, lines)
    return GridCases(
        period=period_out(period), grid_id=grid_id, totals=service.totals(lines), cases=lines
    )


async def grid_scores(session: AsyncSession, period: Period, scope: Scope) -> GridScores:
    rules, ref = await rules_on(session, period.last)
    cases = await _grid_cases(session, period)
    filed = grids.filed_in(await facts.case_facts(session, period), period)
    visits = await facts.visits(session, period)
    ratings = await facts.point_ratings(session, period)
    lines = []
    for g in await facts.grids(session):
        n_filed, n_public = filed.get(g.id, (0, 0))
        planned, done = visits.get(g.id, (0, 0))
        numbers = grids.numbers(
            grids.GridFacts(
                id=g.id,
                area_m2=g.area_m2,
                cases=cases.get(g.id, CaseSet()),
                filed=n_filed,
                public=n_public,
                visits_planned=planned,
                visits_done=done,
                ratings=tuple(ratings.get(g.id, [])),
            ),
            end_of_period=period,
            rules=rules,
        )
        composite = round2(numbers.composite)
        c, r = numbers.counts, numbers.rates
        lines.append(
            GridScore(
                grid_id=g.id,
                name=g.name,
                name_en=g.name_en,
                zone_type=g.zone_type,
                area_km2=round(g.area_m2 / 1_000_000, 4),
                rank=None,
                filed=numbers.filed,
                filed_per_km2=round2(numbers.filed_per_km2),
                public_reports=numbers.public_reports,
                public_report_rate=round2(numbers.public_report_rate),
                handled=c.handled,
                handled_on_time=c.handled_on_time,
                overdue_open=c.overdue_open,
                to_handle=c.to_handle,
                on_time_rate=round2(r.on_time_rate),
                closed=c.closed,
                closed_rate=round2(r.closed_rate),
                visits_planned=numbers.visits_planned,
                visits_done=numbers.visits_done,
                patrol_completion=round2(numbers.patrol_completion),
                point_ratings=numbers.point_ratings,
                rating_score=round2(numbers.rating_score),
                composite=composite,
                band=rules.band_of(composite),
            )
        )
    ranked = indicators.rank(
        lines,
        composite=lambda x: x.composite,
        tie_breaks=lambda x: (descending(x.on_time_rate), x.grid_id),
    )
    visible = [x.model_copy(update={"rank": n}) for n, x in ranked if scope.sees(grid_id=x.grid_id)]
    return GridScores(period=period_out(period), rules=ref, grids=visible)
