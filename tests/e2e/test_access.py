"""Smart access through the gateway (一卡通, 人来登记、人走注销): a resident registered by the
compound's property staff with a card, the card swiped at the gate, the resident departed and
the card cancelled, swipes of the cancelled card refused and, past the threshold, a case; the
departed record's personal data gone after the retention (the purge run with a clock moved
past it); full reads audited; a resident's app account linked by the code sent to the phone."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from tests.conftest import Infra
from tests.e2e.access_support import (
    REGISTERED,
    a_free_household,
    an_id_number,
    compound,
    register,
    sms_code,
    swipe,
    vendor,
)
from tests.e2e.conftest import Platform
from tests.e2e.support import assert_problem, login
from tests.helpers import eventually
from zg_access import retention
from zg_common.contracts import TOPICS
from zg_common.db import to_async_url, unit_of_work

pytestmark = pytest.mark.e2e


async def test_a_resident_registered_swiped_departed_and_the_cancelled_card_becomes_a_case(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    staff = await login(anon, platform, "property")
    dispatcher = await login(anon, platform, "dispatcher")
    key = vendor(platform)
    anon.headers.update(staff)
    listed = await anon.get("/api/v1/access/compounds")
    assert [c["id"] for c in listed.json()["compounds"]] == ["CP001", "CP002"]
    person, resident = await register(anon, "CP001")
    # masked everywhere but the audited identity read
    assert resident["id_number"] == person["id_number"][:4] + "*" * 10 + person["id_number"][-4:]
    assert resident["phone"] == person["phone"][:3] + "****" + person["phone"][-4:]
    assert resident["name"] == person["name"][0] + "*" * (len(person["name"]) - 1)
    assert (
        person["phone"] not in (await anon.get(f"/api/v1/access/residents/{resident['id']}")).text
    )
    [card] = resident["cards"]
    assert card["status"] == "active"
    # one person, one card
    again = await anon.post(
        "/api/v1/access/residents",
        json=person | {"household": await a_free_household(anon, "CP002"), "compound_id": "CP002"},
    )
    assert_problem(again, 409, "already_registered")

    gate = compound("CP001")["gates"][0]["id"]
    taken = await swipe(anon, key, gate, card["number"])
    assert (taken["taken"], taken["cards_refused"]) == (1, 0)

    departed_on = date.today().isoformat()
    gone = await anon.post(
        f"/api/v1/access/residents/{resident['id']}/departure", json={"departed_on": departed_on}
    )
    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "departed"
    assert gone.json()["cards"][0]["status"] == "cancelled"
    assert gone.json()["purge_after"] == (date.today() + timedelta(days=180)).isoformat()

    # the cancelled card at the gate: refused, and past the threshold (5 in 30 min) one case
    refused = await swipe(anon, key, gate, card["number"], n=4)
    assert refused["cards_refused"] == 4
    more = await swipe(anon, key, gate, "FX000000000000", n=3)  # an unknown card too
    assert more["cards_refused"] == 3

    async def the_case() -> list[dict[str, Any]] | None:
        found = await anon.get(
            "/api/v1/cases",
            params={"category": "E0703", "source": "access_control", "q": gate},
            headers=dispatcher,
        )
        assert found.status_code == 200, found.text
        return found.json()["items"] or None

    cases = await eventually(the_case, timeout=30, what="the refused swipes' case")
    assert len(cases) == 1, "one alert per gate and window"
    # the case tells the place and the count, never the card or the person
    case = (await anon.get(f"/api/v1/cases/{cases[0]['id']}", headers=dispatcher)).json()
    assert card["number"] not in str(case) and person["name"] not in str(case)


async def test_the_identity_read_is_audited_and_the_departed_data_is_gone_after_retention(
    anon: httpx.AsyncClient, platform: Platform, e2e_database: str
) -> None:
    staff = await login(anon, platform, "property")
    admin = await login(anon, platform, "admin")
    anon.headers.update(staff)
    person, resident = await register(anon, "CP002")
    rid = resident["id"]
    full = await anon.post(
        f"/api/v1/access/residents/{rid}/identity", json={"purpose": "核对身份 identity check"}
    )
    assert full.status_code == 200, full.text
    assert full.headers["cache-control"] == "no-store"
    assert (full.json()["id_number"], full.json()["phone"]) == (
        person["id_number"],
        person["phone"],
    )
    reads = (await anon.get("/api/v1/access/personal-reads", headers=admin)).json()["entries"]
    assert any(r["resident_id"] == rid and r["purpose"].startswith("核对身份") for r in reads)
    # another compound's staff does not see them (the demo staff serve CP001 and CP002 only)
    other = await anon.get("/api/v1/access/residents", params={"compound_id": "CP003"})
    assert_problem(other, 403, "compound_forbidden")

    departed = await anon.post(
        f"/api/v1/access/residents/{rid}/departure",
        json={"departed_on": date.today().isoformat()},
    )
    assert departed.status_code == 200, departed.text

    # the retention ends 180 days after the departure: the purge with the clock moved there
    engine = create_async_engine(to_async_url(e2e_database))
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        for today in (date.today() + timedelta(days=179), date.today() + timedelta(days=180)):
            async with unit_of_work(sessions) as session:
                await retention.purge_departed(session, today=today, now=datetime.now(UTC))
            after = (await anon.get(f"/api/v1/access/residents/{rid}")).json()
            if today < date.today() + timedelta(days=180):
                assert after["purged_at"] is None, "kept until the retention ends"
    finally:
        await engine.dispose()
    assert after["purged_at"] is not None
    for field in ("name", "id_number", "phone", "id_type"):
        assert after[field] is None, field
    assert after["household"] == person["household"] and after["status"] == "departed"
    gone = await anon.post(
        f"/api/v1/access/residents/{rid}/identity", json={"purpose": "核对身份 identity check"}
    )
    assert_problem(gone, 404, "resident_not_found")
    # the same person may register again (the old registration's lookup is gone too)
    _, again = await register(anon, "CP002", id_number=person["id_number"])
    assert again["id"] != rid
    # the counts stay: the departure is still counted
    counts = await anon.get("/api/v1/access/occupancy", params={"by": "compound"})
    row = next(r for r in counts.json()["rows"] if r["id"] == "CP002")
    assert row["departures"] >= 1 and row["residents"] >= 1
    year, week, _ = date.today().isocalendar()  # the week of the departure recorded above
    weekly = await anon.get(
        "/api/v1/access/occupancy", params={"by": "compound", "week": f"{year}-W{week:02d}"}
    )
    assert weekly.status_code == 200, weekly.text
    assert next(r for r in weekly.json()["rows"] if r["id"] == "CP002")["departures"] >= 1
    bad = await anon.get("/api/v1/access/occupancy", params={"week": "2026-W54"})
    assert_problem(bad, 422, "validation_failed")


async def test_a_resident_links_the_app_by_the_code_sent_to_the_phone(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform
) -> None:
    staff = await login(anon, platform, "property")
    anon.headers.update(staff)
    person, resident = await register(anon, "CP001")
    # an unknown document: the same answer, and nothing sent
    unknown = await api.post("/api/v1/access/me/link-codes", json={"id_number": an_id_number()})
    assert unknown.status_code == 202, unknown.text
    start = Path(platform.log).stat().st_size
    asked = await api.post("/api/v1/access/me/link-codes", json={"id_number": person["id_number"]})
    assert asked.status_code == 202 and asked.json() == unknown.json()
    code = await sms_code(platform, person["phone"], start)
    wrong = await api.post(
        "/api/v1/access/me/link", json={"code": f"{(int(code) + 1) % 10**6:06d}"}
    )
    assert_problem(wrong, 422, "link_code_invalid")
    linked = await api.post("/api/v1/access/me/link", json={"code": code})
    assert linked.status_code == 200, linked.text
    mine = (await api.get("/api/v1/access/me")).json()
    assert [r["id"] for r in mine["residents"]] == [resident["id"]]
    assert mine["residents"][0]["id_number"].count("*") == 10
    # the code is single use
    assert_problem(
        await api.post("/api/v1/access/me/link", json={"code": code}), 422, "link_code_invalid"
    )


async def test_no_personal_data_in_any_topic(
    anon: httpx.AsyncClient, platform: Platform, infra: Infra
) -> None:
    """Every record of every topic of the run (the access tests' events among them: occupancy,
    gate status, the alerts and intake's cases they became) holds no name, ID number, phone or
    card number of a resident registered in the run; this test registers, swipes and departs
    one more itself, so that it also holds when run alone."""
    staff = await login(anon, platform, "property")
    anon.headers.update(staff)
    person, resident = await register(anon, "CP002")
    card = resident["cards"][0]["number"]
    gate = compound("CP002")["gates"][-1]["id"]
    await swipe(anon, vendor(platform), gate, card)
    departed = await anon.post(
        f"/api/v1/access/residents/{resident['id']}/departure",
        json={"departed_on": date.today().isoformat()},
    )
    assert departed.status_code == 200, departed.text
    await swipe(anon, vendor(platform), gate, card, n=5)  # over the threshold: an alert
    personal = [
        value
        for p in REGISTERED
        for value in (p["name"], p["id_number"], p["phone"], *p.get("cards", ()))
    ]
    assert person["id_number"] in personal and card in personal

    records = await eventually(
        lambda: with_alert(infra, gate), timeout=30, what="the gate's alert in access.gate"
    )
    leaks = [(topic, value) for topic, text in records for value in personal if value in text]
    assert leaks == [], f"personal data in events: {leaks[:5]}"
    assert not any(resident["id"] in text for _, text in records), "no resident id either"


async def with_alert(infra: Infra, gate: str) -> list[tuple[str, str]] | None:
    """Every record of every topic of the platform, once the gate's alert is among them."""
    records = await read_all(infra)
    alerted = any(t == "access.gate" and "alert_raised" in x and gate in x for t, x in records)
    return records if alerted else None


async def read_all(infra: Infra) -> list[tuple[str, str]]:
    """Every record of the platform's topics up to their current ends, as (topic, text)."""
    consumer = AIOKafkaConsumer(
        *TOPICS, bootstrap_servers=infra.kafka_bootstrap_servers, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        await eventually(
            lambda: asyncio.sleep(0, consumer.assignment() or None), what="the partitions"
        )
        partitions = sorted(consumer.assignment())
        ends = await consumer.end_offsets(partitions)
        out: list[tuple[str, str]] = []
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            batches = await consumer.getmany(*partitions, timeout_ms=1000)
            for tp, records in batches.items():
                out += [(tp.topic, (r.value or b"").decode(errors="replace")) for r in records]
        assert {t for t, _ in out} >= {"access.compound", "access.gate", "intake.case"}
        return out
    finally:
        await consumer.stop()
