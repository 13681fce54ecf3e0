"""Scoring from the event log through the real broker: a crafted stream of a past month
(September 2026) published to the platform's topics and consumed by scoring's consumer gives
exactly the hand-computed numbers through the API; the same after a rebuild (the projections
emptied and the log replayed); and the same for a copy of the stream published in the opposite
interleaving of its topics (patrol's first, then routing's, intake's last: every step before
the report it belongs to)."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import re
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.conftest import REPO, Infra
from tests.helpers import SignedAs, eventually
from tests.integration.conftest import service_database
from zg_common.consumer import IdempotentConsumer
from zg_common.contracts import intake, patrol, routing
from zg_common.db import unit_of_work, write_pending
from zg_common.events import CloudEvent, EventContract
from zg_common.identity import Identity, IdentitySigner
from zg_common.kafka import create_producer, ensure_topics
from zg_common.kafka_cluster import TopicPlan
from zg_scoring import closing, rebuild_jobs
from zg_scoring.config import ScoringSettings
from zg_scoring.consumers import consumers
from zg_scoring.main import create_app
from zg_scoring.periods import parse_period
from zg_scoring.runtime import State

pytestmark = pytest.mark.integration

TZ = ZoneInfo("Asia/Shanghai")
SECRET = "stream-test-secret"
DATA = REPO / "deploy" / "data" / "fangxing"


def t(text: str) -> datetime:
    return datetime.strptime(f"2026-09-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def stream(p: str) -> list[EventContract]:
    """One month of a grid, two departments and two officers; `p` makes every id its own."""
    roads, parks, grid = f"{p}-roads", f"{p}-parks", f"{p}G1"
    zz1, zz2 = f"{p}ZZ1", f"{p}ZZ2"
    k1, k2, k3 = (f"{p}-case-{n}" for n in (1, 2, 3))
    events: list[EventContract] = [
        routing.DepartmentChanged(department_id=roads, name="Roads", name_en="Roads",
            mode="assessed", calendar_id="24x7", grid_ids=[grid], change="loaded",
            at=t("01 00:00")),
        routing.DepartmentChanged(department_id=parks, name="Parks", name_en="Parks",
            mode="command", calendar_id="24x7", grid_ids=[grid], change="loaded",
            at=t("01 00:00")),
        patrol.TerritoryChanged(subject=f"grid/{grid}", change="created", at=t("01 00:00"),
            grid=patrol.GridState(id=grid, code=grid, name="Test grid", name_en="Test grid",
                zone_type="core", area_m2=500_000,
                geometry={"type": "Polygon", "coordinates": [[[117, 31], [117.01, 31],
                          [117.01, 31.01], [117, 31]]]})),
    ]  # fmt: skip
    for badge in (zz1, zz2):
        events.append(
            patrol.TerritoryChanged(subject=f"officer/{badge}", change="created",
                at=t("01 00:00"), officer=patrol.OfficerState(badge=badge, name=badge,
                grid_id=grid, shift="day", certificate="C"))
        )  # fmt: skip

    def visit(n: int) -> patrol.PlannedVisit:
        return patrol.PlannedVisit(visit_id=f"{p}-v{n}", seq=n, point_id=f"{p}-pt{n}",
            kind="patrol", window_start=t(f"10 {8 + n:02d}:00"),
            window_end=t(f"10 {9 + n:02d}:00"), eta=t(f"10 {8 + n:02d}:30"))  # fmt: skip

    for badge, numbers in ((zz1, (1, 2)), (zz2, (3, 4))):
        events.append(
            patrol.OfficerTasksAssigned(day=date(2026, 9, 10), shift="day", badge=badge,
                grid_id=grid, version=1, length_m=1000, visits=[visit(n) for n in numbers],
                shift_start=t("10 08:00"), shift_end=t("10 20:00"))
        )  # fmt: skip

    def checkin(n: int, badge: str, outcome: str, at: str) -> patrol.CheckinRecorded:
        return patrol.CheckinRecorded(outcome=outcome, badge=badge, point_id=f"{p}-pt{n}",
            grid_id=grid, visit_id=f"{p}-v{n}", window_start=None, window_end=None,
            distance_m=3.0, accuracy_m=5.0, at=t(at))  # fmt: skip

    events += [
        checkin(1, zz1, "on_time", "10 09:10"),
        checkin(2, zz1, "on_time", "10 10:10"),
        checkin(3, zz2, "late", "10 12:30"),
        patrol.VisitMissed(visit_id=f"{p}-v4", day=date(2026, 9, 10), point_id=f"{p}-pt4",
            grid_id=grid, shift="day", officer_badge=zz2, window_start=t("10 12:00"),
            window_end=t("10 13:00"), at=t("10 13:00")),
        patrol.PointRated(point_id=f"{p}-pt1", grid_id=grid, object_type="shop", score=5,
            day=date(2026, 9, 12), at=t("12 10:00")),
        patrol.PointRated(point_id=f"{p}-pt2", grid_id=grid, object_type="shop", score=3,
            day=date(2026, 9, 12), at=t("12 11:00")),
    ]  # fmt: skip

    def reported(case: str, source: str, at: str, badge: str | None = None) -> intake.CaseReported:
        return intake.CaseReported(case_id=case, number=case.upper(), category="C0101",
            category_kind="component", lat=31.0, lon=117.0, description="x", source=source,
            reported_at=t(at), grid_id=grid, zone_type="core", reporter_badge=badge)  # fmt: skip

    def step(
        case: str,
        action: str,
        to: str,
        at: str,
        department: str | None = None,
        due: str | None = None,
        **kw: Any,
    ) -> routing.CaseTransitioned:
        return routing.CaseTransitioned(case_id=case, action=action, from_status="x",
            to_status=to, actor_role="system", department_id=department,
            due_at=t(due) if due else None, at=t(at), **kw)  # fmt: skip

    def dispatched(case: str, at: str, department: str, due: str) -> list[EventContract]:
        return [step(case, "accept", "accepted", at), step(case, "file", "filed", at),
                step(case, "dispatch", "dispatched", at, department, due)]  # fmt: skip

    events += [
        # k1: the officer's own report, handled in time and closed, rated 4 by a resident
        reported(k1, "officer_handset", "10 09:00", zz1),
        *dispatched(k1, "10 09:05", roads, "11 09:05"),
        step(k1, "dispose", "disposed", "10 15:00", roads, "11 09:05"),
        step(k1, "request_check", "checking", "10 15:10", roads, "11 09:05"),
        step(k1, "pass_check", "checked", "10 16:00", roads, "11 09:05", actor_badge=zz1,
             stage_on_time=True),
        step(k1, "close", "closed", "10 16:30", roads, "11 09:05"),
        intake.CaseRated(case_id=k1, number=k1.upper(), category="C0101", department_id=roads,
            grid_id=grid, score=4, rater_role="resident", rated_at=t("12 09:00")),
        # k2: a resident found it during the day shift (漏报 for both officers); still open
        # past its deadline at the month's end
        reported(k2, "resident_app", "10 11:00"),
        *dispatched(k2, "10 11:30", roads, "20 11:30"),
        # k3: the hotline's, an officer's report joined it first; the parks returned it and
        # the roads disposed of it late
        reported(k3, "hotline_12345", "10 13:00"),
        intake.CaseMerged(case_id=f"{p}-r3", number=f"{p}-R3", into_case_id=k3,
            into_number=k3.upper(), category="C0101", source="officer_handset", distance_m=4,
            merged_at=t("10 13:05"), by="intake", reporter_badge=zz2),
        *dispatched(k3, "10 13:30", parks, "11 13:30"),
        step(k3, "request_return", "return_pending", "10 14:00", parks, "11 13:30"),
        step(k3, "approve_return", "filed", "10 14:30", None, "11 13:30",
             from_department_id=parks),
        step(k3, "dispatch", "dispatched", "10 15:00", roads, "11 15:00"),
        step(k3, "dispose", "disposed", "12 15:00", roads, "11 15:00"),
    ]  # fmt: skip
    return events


def to_cloud(events: list[EventContract]) -> list[CloudEvent]:
    out = []
    for e in events:
        subject = str(getattr(e, "case_id", None) or getattr(e, "subject", None)
                      or getattr(e, "department_id", None) or getattr(e, "badge", None)
                      or getattr(e, "visit_id", None) or getattr(e, "point_id", None))  # fmt: skip
        out.append(CloudEvent.of(e, source="/tests/stream", subject=subject))
    return out


async def publish(bootstrap: str, events: list[CloudEvent], topic_order: list[str]) -> None:
    producer = create_producer(bootstrap, client_id="stream-test")
    await producer.start()
    try:
        for topic in topic_order:
            for e in events:
                contract = type_topic(e.type)
                if contract == topic:
                    await producer.send_and_wait(
                        topic, e.to_bytes(), key=e.subject.encode(), headers=e.kafka_headers()
                    )
    finally:
        await producer.stop()


def type_topic(event_type: str) -> str:
    from zg_common.contracts import contract_for

    contract = contract_for(event_type)
    assert contract is not None
    return contract.topic


NATURAL = ["routing.department", "patrol.territory", "patrol.plan", "patrol.checkin",
           "patrol.point", "intake.case", "routing.case"]  # fmt: skip
OPPOSITE = list(reversed(NATURAL))


def stream_settings(infra: Infra, database: str = "zg_scoring_stream") -> ScoringSettings:
    return ScoringSettings(
        database_url=infra.url_for(database),
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        identity_public_keys=(IdentitySigner(SECRET).public_key,),
        refdata_dir=DATA,
    )


async def rebuild_by_command(settings: ScoringSettings, *args: str) -> int:
    """`python -m zg_scoring rebuild` (what the rebuild job runs) with `settings`; the events
    it replayed."""
    command = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "zg_scoring", "rebuild", *args),
        env=rebuild_jobs.child_env(settings),
        stderr=asyncio.subprocess.PIPE,
    )
    _, said = await command.communicate()
    assert command.returncode == 0, said.decode(errors="replace")
    found = re.search(r"rebuilt from (\d+) events", said.decode(errors="replace"))
    assert found is not None, said
    return int(found.group(1))


@contextlib.asynccontextmanager
async def scoring_api(engine: AsyncEngine, infra: Infra) -> AsyncIterator[httpx.AsyncClient]:
    """Scoring's HTTP API on the test database (its own consumer group runs beside)."""
    settings = stream_settings(infra)
    app = create_app(settings)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    state = State(categories={"C01": ("公用设施", "Public facilities")})
    app.state.runtime = SimpleNamespace(settings=settings, sessions=sessions, state=state)
    spec = consumers(app.state.runtime)[0]
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap_servers)
    await producer.start()
    consumer = IdempotentConsumer(
        spec,
        kafka=infra.kafka_bootstrap_servers,
        sessions=sessions,
        schema="scoring",
        producer=producer,
        group_id=f"scoring-stream-{uuid.uuid4().hex[:8]}",
    )
    task = asyncio.create_task(consumer.run())
    manager = SignedAs(Identity(sub="m", role="manager"), SECRET, "scoring")
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://scoring",
            auth=manager,
            timeout=10,
        ) as client:
            yield client
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()


async def numbers(api: httpx.AsyncClient, p: str) -> dict[str, Any]:

    async def get(path: str) -> Any:
        response = await api.get(f"/api/v1/scores/{path}", params={"period": "2026-09"})
        assert response.status_code == 200, response.text  # (404 until the events arrive)
        return response.json()

    departments = (await get("departments"))["departments"]
    officers = (await get("officers"))["officers"]
    grids = (await get("grids"))["grids"]
    drill = await get(f"departments/{p}-roads/cases")
    entries = await get(f"officers/{p}ZZ1/events")

    def pick(rows: list[dict[str, Any]], key: str, ids: set[str]) -> dict[str, Any]:
        # ranks left out: they depend on every other line (the broker's other events)
        return {
            r[key]: {k: v for k, v in r.items() if k not in ("rank", "grid_rank")}
            for r in rows
            if r[key] in ids
        }

    return {
        "departments": pick(departments, "department_id", {f"{p}-roads", f"{p}-parks"}),
        "officers": pick(officers, "badge", {f"{p}ZZ1", f"{p}ZZ2"}),
        "grids": pick(grids, "grid_id", {f"{p}G1"}),
        "drill": drill["totals"],
        "entries": sorted((e["rule"], e["points"]) for e in entries["entries"]),
    }


def check(n: dict[str, Any], p: str) -> None:
    roads, parks = n["departments"][f"{p}-roads"], n["departments"][f"{p}-parks"]
    # routing's directory arrived (the opposite interleaving brings it last)
    assert (roads["name"], roads["mode"], parks["name"], parks["mode"]) == (
        "Roads", "assessed", "Parks", "command",
    )  # fmt: skip
    # k1 handled in time and closed, k3 handled late, k2 overdue and open
    assert {k: roads[k] for k in ("handled", "handled_on_time", "overdue_open", "to_handle",
        "returned", "closed", "reworked", "extended")} == {
        "handled": 2, "handled_on_time": 1, "overdue_open": 1, "to_handle": 3,
        "returned": 0, "closed": 1, "reworked": 0, "extended": 0,
    }  # fmt: skip
    assert (roads["handled_rate"], roads["on_time_rate"], roads["closed_rate"]) == (
        66.67, 33.33, 33.33,
    )  # fmt: skip
    # 66.67×.3 + 33.33×.2 + 100×.2 + 66.67×.2 + 100×.1 = 70, then a contractor's rating 4
    # (rating_score 75): 70 × .9 + 75 × .1 = 70.5
    assert (roads["rating_score"], roads["composite"], roads["band"]) == (75.0, 70.5, "C")
    assert (parks["returned"], parks["to_handle"], parks["composite"]) == (1, 0, None)
    assert n["drill"] == {"handled": 2, "handled_on_time": 1, "overdue_open": 1, "closed": 1,
                          "ratings": 1}  # fmt: skip
    zz1, zz2 = n["officers"][f"{p}ZZ1"], n["officers"][f"{p}ZZ2"]
    assert (zz1["grid_id"], zz2["grid_id"]) == (f"{p}G1", f"{p}G1")  # patrol's territory came
    # ZZ1: +1 k1 filed, +1 check in time, +0.2 × 2 check-ins, −2 k2 missed; ZZ2: −1 visit
    # missed, −2 k2 missed (k3's hotline report was joined by ZZ2's own before the filing)
    assert (zz1["points"], zz2["points"]) == (0.4, -3.0)
    assert (zz1["valid_report_rate"], zz2["valid_report_rate"]) == (100.0, 100.0)
    # k1, k2, k3 filed in G1 during their shift; one missed report each
    assert (zz1["missed_reports"], zz1["missed_report_base"], zz1["missed_report_rate"]) == (
        1, 3, 33.33,
    )  # fmt: skip
    assert zz1["on_time_check_rate"] == 100.0 and zz2["on_time_check_rate"] is None
    assert n["entries"] == sorted([("report_filed", 1.0), ("task_on_time", 1.0),
        ("checkin_on_time", 0.2), ("checkin_on_time", 0.2), ("missed_report", -2.0)])  # fmt: skip
    g = n["grids"][f"{p}G1"]
    assert (g["filed"], g["filed_per_km2"], g["public_reports"], g["public_report_rate"]) == (
        3, 6.0, 2, 66.67,
    )  # fmt: skip
    assert (g["visits_planned"], g["visits_done"], g["patrol_completion"]) == (4, 3, 75.0)
    # 33.33×.25 + 33.33×.25 + (100 − 66.67)×.2 + 75×.2 + 75×.1 = 45.83
    assert (g["on_time_rate"], g["closed_rate"], g["rating_score"]) == (33.33, 33.33, 75.0)
    assert (g["composite"], g["band"]) == (45.83, "D")


async def test_a_crafted_stream_through_the_broker_gives_the_hand_computed_numbers(
    infra: Infra,
) -> None:
    topics = sorted(set(NATURAL))
    await ensure_topics(infra.kafka_bootstrap_servers, topics, plan=TopicPlan(partitions=3))
    async with (
        service_database(infra, "scoring", "zg_scoring_stream") as engine,
        scoring_api(engine, infra) as api,
    ):
        p = f"a{uuid.uuid4().hex[:4]}"
        await publish(infra.kafka_bootstrap_servers, to_cloud(stream(p)), NATURAL)

        first = await eventually(lambda: _checked(api, p), timeout=30, what="the stream's numbers")

        async with unit_of_work(async_sessionmaker(engine)) as session:  # JSONB, not text
            held = await session.scalar(
                text("SELECT grid_ids FROM scoring.department WHERE id = :d"), {"d": f"{p}-roads"}
            )
        assert held == [f"{p}G1"]

        # the same month as a range of local days; a period that is not one is refused
        for path in ("departments", "officers", "grids"):
            month = await api.get(f"/api/v1/scores/{path}", params={"period": "2026-09"})
            days = await api.get(
                f"/api/v1/scores/{path}", params={"from": "2026-09-01", "to": "2026-09-30"}
            )
            assert days.status_code == 200 and days.json()[path] == month.json()[path]
        for params, field, code in (
            ({"period": "2026-13"}, "period", "invalid_period"),
            ({"from": "2026-09-10"}, "to", "range_incomplete"),
            ({"from": "2026-09-10", "to": "2026-09-01"}, "from", "range_inverted"),
        ):
            refused = await api.get(f"/api/v1/scores/departments/{p}-roads/cases", params=params)
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["errors"][0]["field"] == field
            assert refused.json()["errors"][0]["code"] == code

        # every list as CSV: the same numbers, a row per line
        for path, key, value in (
            ("departments", "department_id", f"{p}-roads"),
            ("officers", "badge", f"{p}ZZ1"),
            ("grids", "grid_id", f"{p}G1"),
        ):
            exported = await api.get(
                f"/api/v1/scores/{path}", params={"period": "2026-09", "format": "csv"}
            )
            assert exported.headers["content-type"] == "text/csv; charset=utf-8"
            assert f"{path}-2026-09.csv" in exported.headers["content-disposition"]
            rows = list(csv.DictReader(io.StringIO(exported.text.removeprefix("\ufeff"))))
            line = next(r for r in rows if r[key] == value)
            as_json = first[path][value]
            assert {k: line[k] for k in as_json} == {k: cell(v) for k, v in as_json.items()}
        drill = await api.get(
            f"/api/v1/scores/departments/{p}-roads/cases",
            params={"period": "2026-09", "format": "csv"},
        )
        assert len(list(csv.DictReader(io.StringIO(drill.text.removeprefix("\ufeff"))))) == 4

        grid_drill = (await api.get(f"/api/v1/scores/grids/{p}G1/cases?period=2026-09")).json()
        g = first["grids"][f"{p}G1"]
        assert grid_drill["totals"] == {
            k: g[k] for k in ("filed", "public_reports", "handled", "handled_on_time",
                              "overdue_open", "closed")
        }  # fmt: skip

        # the projections emptied and the whole log replayed: the same numbers
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        replayed = await rebuild_by_command(stream_settings(infra))
        assert replayed >= len(stream(p))
        assert await numbers(api, p) == first
        # the partitions shared among two processes for three partitions: the same numbers
        await rebuild_by_command(stream_settings(infra), "--processes", "2")
        assert await numbers(api, p) == first
        # a batch an event: each lane derives a case once it has gone two batches past
        # its steps, and again when a later step of it comes; the same numbers
        await rebuild_by_command(stream_settings(infra).model_copy(update={"replay_batch": 1}))
        assert await numbers(api, p) == first

        # the month's reports: live before the month is closed, its snapshot after
        report = f"/api/v1/scores/reports/2026-09?scope=department/{p}-roads"
        live = (await api.get(report)).json()
        assert live["final"] is False and live["changes"] == []
        assert live["content"]["summary"]["composite"] == 70.5
        assert [x["filed"] for x in live["content"]["categories"]] == [3]
        assert sum(d["handled"] for d in live["content"]["trend"]) == 2
        async with unit_of_work(sessions) as session:
            closed = await closing.close(
                session, parse_period("2026-09"), now=datetime.now(UTC),
                categories={"C01": ("公用设施", "Public facilities")},
                district=("方兴社区", "Fangxing community"),
            )  # fmt: skip
            assert closed
            await write_pending(session)  # the transaction's events are written at its commit
            outbox_types = (await session.execute(text(
                "SELECT payload->>'type' FROM scoring.outbox WHERE key = '2026-09'"
            ))).scalars().all()  # fmt: skip
        assert outbox_types == ["scoring.period.closed.v1"]
        final = (await api.get(report)).json()
        assert final["final"] is True and final["changes"] == []
        assert final["content"] == live["content"]
        page = await api.get(report + "&format=html")
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "Roads" in page.text and "结账后无变化" in page.text and "<svg" in page.text
        english = await api.get(report + "&format=html&lang=en")
        assert "Monthly assessment report" in english.text
        paper = await api.get(report + "&format=pdf")
        assert paper.headers["content-type"] == "application/pdf"
        assert paper.content.startswith(b"%PDF") and len(paper.content) > 2000
        district = "/api/v1/scores/reports/2026-09?scope=district"

        # a copy published topic by topic the other way round
        q = f"b{uuid.uuid4().hex[:4]}"
        await publish(infra.kafka_bootstrap_servers, to_cloud(stream(q)), OPPOSITE)
        second = await eventually(
            lambda: _checked(api, q), timeout=30, what="the opposite interleaving's numbers"
        )
        assert _renamed(second, q, p) == first
        # events after the close: the district's report lists what they changed
        changed = (await api.get(district)).json()
        assert changed["final"] is True
        lines = {c["line"] for c in changed["changes"]}
        assert {f"department/{q}-roads", f"grid/{q}G1", f"officer/{q}ZZ1"} <= lines
        assert (await api.get(report)).json()["changes"] == []


def cell(value: Any) -> str:
    """A JSON value as the CSV export writes it."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


async def _checked(api: httpx.AsyncClient, p: str) -> dict[str, Any] | None:
    """The numbers once they are the expected ones (None until then)."""
    try:
        n = await numbers(api, p)
        check(n, p)
    except (AssertionError, KeyError):
        return None
    return n


def _renamed(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {_renamed(k, old, new): _renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    if isinstance(value, str):
        return value.replace(old, new)
    return value


async def test_rules_versions_are_published_from_a_future_day_and_listed(infra: Infra) -> None:
    async with (
        service_database(infra, "scoring", "zg_scoring_rules") as engine,
        scoring_api(engine, infra) as api,
    ):
        versions = (await api.get("/api/v1/scores/rules")).json()
        assert [v["version"] for v in versions] == [None], "the built-in default"
        assert versions[0]["rules"]["department"]["handled_rate"] == 0.3
        today = datetime.now(UTC).astimezone(TZ).date()
        rules = {"department": {"handled_rate": 0.4, "on_time_rate": 0.2, "rework": 0.2,
                                "overdue_open": 0.1, "extension": 0.1}}  # fmt: skip
        now = await api.post("/api/v1/scores/rules", json={"starts_on": str(today), "rules": rules})
        assert now.status_code == 409 and now.json()["code"] == "rules_start_not_future"
        bad = await api.post(
            "/api/v1/scores/rules",
            json={"starts_on": str(today + timedelta(days=1)),
                  "rules": {"department": {"handled_rate": 0.9}}},
        )  # fmt: skip
        assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
        tomorrow = str(today + timedelta(days=1))
        made = await api.post(
            "/api/v1/scores/rules", json={"starts_on": tomorrow, "rules": rules, "note": "more"}
        )
        assert made.status_code == 201, made.text
        assert (
            made.json()["created_by"] == "m"
            and made.json()["rules"]["department"]["handled_rate"] == 0.4
        )
        again = await api.post("/api/v1/scores/rules", json={"starts_on": tomorrow, "rules": {}})
        assert again.status_code == 409 and again.json()["code"] == "rules_start_not_after_latest"
        listed = (await api.get("/api/v1/scores/rules")).json()
        assert [(v["version"] is None, v["starts_on"]) for v in listed] == [
            (True, "2000-01-01"), (False, tomorrow),
        ]  # fmt: skip
        # today's numbers still use the default; tomorrow's the new version
        today_scores = await api.get("/api/v1/scores/departments", params={"period": str(today)})
        assert today_scores.json()["rules"]["version"] is None
        later = await api.get("/api/v1/scores/departments", params={"period": tomorrow})
        assert later.json()["rules"]["version"] == made.json()["version"]


async def test_a_replay_derives_a_case_again_when_a_step_of_it_comes_after_it_was_derived(
    infra: Infra,
) -> None:
    """In a replay a lane derives a case once it has gone two batches past the case's steps:
    a step that comes later (a case open for weeks) derives it again."""
    await ensure_topics(
        infra.kafka_bootstrap_servers, ["routing.case"], plan=TopicPlan(partitions=3)
    )
    p = f"r{uuid.uuid4().hex[:4]}"
    roads, a = f"{p}-roads", f"{p}-a"

    def move(case: str, action: str, to: str, at: str, **kw: Any) -> CloudEvent:
        step = routing.CaseTransitioned(case_id=case, action=action, from_status="x",
            to_status=to, actor_role="system", at=t(at), **kw)  # fmt: skip
        return CloudEvent.of(step, source="/tests/rederive", subject=case)

    due = t("05 09:00")
    log = [
        move(a, "dispatch", "dispatched", "01 09:00", department_id=roads, due_at=due),
        *(move(f"{p}-b{n}", "accept", "accepted", "01 10:00") for n in range(4)),
        move(a, "dispose", "disposed", "02 09:00", department_id=roads, due_at=due),
        *(move(f"{p}-c{n}", "accept", "accepted", "02 10:00") for n in range(4)),
        move(a, "close", "closed", "03 09:00", department_id=roads, due_at=due),
    ]
    producer = create_producer(infra.kafka_bootstrap_servers, client_id="rederive-test")
    await producer.start()
    try:  # one partition: one lane, in this order
        for e in log:
            await producer.send_and_wait("routing.case", e.to_bytes(), key=e.subject.encode(),
                                         headers=e.kafka_headers(), partition=0)  # fmt: skip
    finally:
        await producer.stop()
    async with service_database(infra, "scoring", "zg_scoring_rederive") as engine:
        settings = stream_settings(infra, "zg_scoring_rederive")
        await rebuild_by_command(settings.model_copy(update={"replay_batch": 1}))
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with unit_of_work(sessions) as session:
            disposals = (
                await session.execute(
                    text("SELECT at, closed_at FROM scoring.disposal WHERE case_id = :a"), {"a": a}
                )
            ).all()
            closed = await session.scalar(
                text("SELECT closed_at FROM scoring.case_milestone WHERE case_id = :a"), {"a": a}
            )
        assert disposals == [(t("02 09:00"), t("03 09:00"))] and closed == t("03 09:00")
