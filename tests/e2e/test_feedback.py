"""Feedback to reporters and partners: status in plain words, ratings after closure, and
webhooks that are signed, retried and de-duplicable, with a delivery log."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Platform, Receiver, demo_credentials
from tests.e2e.support import (
    a_patrol_point,
    act,
    assert_problem,
    confirm_if_verifying,
    dispose_and_pass_check,
    login,
    report_and_wait_dispatched,
)
from tests.helpers import eventually, unique
from zg_intake.webhooks import verify

pytestmark = pytest.mark.e2e


async def test_status_history_reads_in_plain_words(api: httpx.AsyncClient) -> None:
    lat, lon = a_patrol_point("road")
    case = await report_and_wait_dispatched(
        api, {"category": "E0104", "lat": lat, "lon": lon, "description": "Mud"}
    )
    texts = [h["text"] for h in case["history"]]
    assert texts[0].startswith("已受理") and "Received" in texts[0]
    assert "checking it on site" in texts[1]
    assert any("Registered" in t for t in texts) and "department responsible" in texts[-1]


async def test_a_partner_gets_every_change_signed_retried_and_once_per_id(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform, receiver: Receiver
) -> None:
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    receiver.failures = 2  # the partner fails the first two attempts of each delivery
    created = await anon.post("/api/v1/webhooks", json={"url": receiver.url}, headers=key)
    assert created.status_code == 201, created.text
    subscription = created.json()
    secret = subscription["secret"]
    assert secret.startswith("whsec_")
    listed = (await anon.get("/api/v1/webhooks", headers=key)).json()
    assert subscription["id"] in {s["id"] for s in listed}
    assert all("secret" not in s for s in listed)

    lat, lon = a_patrol_point("road")
    order = unique("BH")
    reported = await anon.post(
        "/api/v1/cases",
        headers=key,
        json={
            "category": "E0104",
            "lat": lat,
            "lon": lon,
            "description": "Caller: mud",
            "external_ref": {"system": "12345", "id": order},
        },
    )
    assert reported.status_code == 201
    async with httpx.AsyncClient(base_url=anon.base_url, headers=key, timeout=15) as hotline:
        await confirm_if_verifying(hotline, reported.json()["id"])

    def delivered_bodies() -> list[dict[str, Any]]:
        return [
            json.loads(c["body"])
            for c in receiver.calls
            if json.loads(c["body"])["case"]["id"] == reported.json()["id"]
        ]

    steps = ["reported", "verifying", "reported", "accepted", "filed", "dispatched"]

    async def both_accepted() -> bool:
        statuses = [b["change"]["status"] for b in delivered_bodies()]
        return all(statuses.count(s) == 3 * steps.count(s) for s in steps)

    try:
        await eventually(both_accepted, timeout=30, what="reported and dispatched to be delivered")
    except AssertionError as exc:  # say how far it got
        statuses = [b["change"]["status"] for b in delivered_bodies()]
        case = (await anon.get(f"/api/v1/cases/{reported.json()['id']}", headers=key)).json()
        raise AssertionError(f"{exc}; delivered {statuses}; case now {case['status']}") from exc
    for call in receiver.calls:
        headers = {k.lower(): v for k, v in call["headers"].items()}
        assert verify(secret, headers["x-zongguan-signature"], call["body"])
        assert not verify("whsec_wrong", headers["x-zongguan-signature"], call["body"])
        assert headers["x-zongguan-event"] == "case.status_changed"
        assert headers["x-zongguan-delivery"] == json.loads(call["body"])["id"]
    # each change (the six steps to dispatch): two failed calls and the accepted one, all
    # under one delivery id
    ids = [c["headers"]["X-Zongguan-Delivery"] for c in receiver.calls]
    assert sorted(ids.count(i) for i in set(ids)) == [3] * len(steps), "retried under one id"
    first = next(b for b in delivered_bodies() if b["change"]["status"] == "reported")
    assert first["case"]["external_ref"] == {"system": "12345", "id": order}
    assert first["change"]["text"].startswith("已受理")

    # the receiver has the third call before intake has written down its answer: wait for the
    # log to catch up (it raced the last call's 204 on a fresh clone in CI)
    expected = {(i, 3, "delivered", 204) for i in set(ids)}

    async def logged() -> set[tuple[Any, ...]] | None:
        log = await anon.get(f"/api/v1/webhooks/{subscription['id']}/deliveries", headers=key)
        assert log.status_code == 200
        rows = {(d["id"], d["attempts"], d["state"], d["last_status_code"]) for d in log.json()}
        return rows if rows == expected else None

    await eventually(
        logged, timeout=15, interval=0.2, what="the delivery log to record every delivery"
    )

    # someone else's subscription is not there for a resident, nor for other keys
    assert_problem(await api.get("/api/v1/webhooks"), 403, "operation_forbidden")
    admin = await login(anon, platform, "admin")
    assert subscription["id"] in {
        s["id"] for s in (await anon.get("/api/v1/webhooks", headers=admin)).json()
    }

    deleted = await anon.delete(f"/api/v1/webhooks/{subscription['id']}", headers=key)
    assert deleted.status_code == 204
    assert_problem(
        await anon.get(f"/api/v1/webhooks/{subscription['id']}/deliveries", headers=key),
        404,
        "webhook_not_found",
    )


async def test_only_the_cases_a_partner_may_see_are_sent(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform, receiver: Receiver
) -> None:
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    created = await anon.post(
        "/api/v1/webhooks", json={"url": receiver.url, "statuses": ["dispatched"]}, headers=key
    )
    assert created.status_code == 201
    lat, lon = a_patrol_point("road")
    # a resident's report dispatched to a contractor: not the hotline's department
    theirs = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover"}
    )
    lat, lon = a_patrol_point("waterfront")
    ours = await anon.post(
        "/api/v1/cases",
        headers=key,
        json={"category": "E0104", "lat": lat, "lon": lon, "description": "Mud by the water"},
    )

    async def ours_delivered() -> bool:
        return any(json.loads(c["body"])["case"]["id"] == ours.json()["id"] for c in receiver.calls)

    await eventually(ours_delivered, what="the key's own case to be delivered")
    await asyncio.sleep(0.5)
    cases = [json.loads(c["body"])["case"]["id"] for c in receiver.calls]
    assert theirs["id"] not in cases
    assert {json.loads(c["body"])["change"]["status"] for c in receiver.calls} == {"dispatched"}
    await anon.delete(f"/api/v1/webhooks/{created.json()['id']}", headers=key)


async def test_ratings_after_closure_by_the_reporter_once(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    case = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover broken"}
    )
    path = f"/api/v1/cases/{case['id']}/rating"
    body = assert_problem(await api.post(path, json={"score": 5}), 409, "case_state_conflict")
    assert "dispatched" in body["detail"]
    await dispose_and_pass_check(anon, platform, case, "cover replaced")
    leader = await login(anon, platform, "shift-leader")
    await act(anon, case["id"], "close", leader, close_type="normal")

    async def closed() -> bool:
        return bool((await api.get(f"/api/v1/cases/{case['id']}")).json()["status"] == "closed")

    await eventually(closed, timeout=30, what="intake to follow the closure")
    rated = await api.post(path, json={"score": 4, "comment": "Cleaned in a day"})
    assert rated.status_code == 201, rated.text
    assert rated.json()["score"] == 4
    assert_problem(await api.post(path, json={"score": 1}), 409, "already_rated")
    assert_problem(await api.post(path, json={"score": 6}), 422, "validation_failed")
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    assert_problem(await anon.post(path, json={"score": 3}, headers=key), 404, "case_not_found")


async def test_a_merged_hotline_order_follows_the_case_it_joined(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform, receiver: Receiver
) -> None:
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    created = await anon.post("/api/v1/webhooks", json={"url": receiver.url}, headers=key)
    lat, lon = a_patrol_point("road")
    first = await report_and_wait_dispatched(
        api, {"category": "E0104", "lat": lat, "lon": lon, "description": "Mud"}
    )
    order = unique("BH")
    joined = await anon.post(
        "/api/v1/cases",
        headers=key,
        json={
            "category": "E0104",
            "lat": lat,
            "lon": lon,
            "description": "Caller: the same mud",
            "external_ref": {"system": "12345", "id": order},
        },
    )
    assert joined.json()["status"] == "merged"

    async def parent_change_delivered() -> dict[str, Any] | None:
        for call in receiver.calls:
            body: dict[str, Any] = json.loads(call["body"])
            if body["case"]["id"] == first["id"] and body.get("via_report"):
                return body
        return None

    body = await eventually(parent_change_delivered, what="the joined case's change to arrive")
    assert body["via_report"]["external_ref"] == {"system": "12345", "id": order}
    assert body["via_report"]["id"] == joined.json()["id"]
    # the hotline only follows the resident's case: its public status, not its details
    assert body["case"] == {"id": first["id"], "number": first["number"], "status": "dispatched"}
    assert body["change"]["note"] == "" and body["change"]["text"].startswith("已派遣")
    await anon.delete(f"/api/v1/webhooks/{created.json()['id']}", headers=key)


async def test_webhooks_reach_only_where_they_may(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    """The SSRF guard through the platform: nothing here is sent beyond this machine (the test
    platform allows loopback only and looks up no names; the refusals of private and metadata
    addresses behind names are unit tests with a stubbed resolver, tests/unit/test_egress.py)."""
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    body = assert_problem(
        await anon.post("/api/v1/webhooks", json={"url": "http://[::1/x"}, headers=key),
        422,
        "validation_failed",
    )
    assert body["errors"][0]["field"].endswith("url")
    # literals the guard refuses whose traffic, were it ever accepted, could not leave this
    # machine (an IPv4-mapped loopback, the unspecified address); private and metadata
    # addresses are refused with a stubbed resolver in tests/unit/test_egress.py
    for url in ("http://[::ffff:127.0.0.1]:9/hook", "http://0.0.0.0:9/hook"):
        body = assert_problem(
            await anon.post("/api/v1/webhooks", json={"url": url}, headers=key),
            422,
            "validation_failed",
        )
        assert body["errors"][0]["code"] == "address_not_allowed", url

    # a name is accepted when subscribing and checked when it is called: here it is refused
    # before any lookup, once, and the log says so in a word
    created = await anon.post(
        "/api/v1/webhooks", json={"url": "http://hooks.partner.invalid/z"}, headers=key
    )
    assert created.status_code == 201, created.text
    lat, lon = a_patrol_point("waterfront")
    reported = await anon.post(
        "/api/v1/cases",
        headers=key,
        json={"category": "E0104", "lat": lat, "lon": lon, "description": "Mud by the quay"},
    )
    assert reported.status_code == 201, reported.text

    async def refused() -> list[dict[str, Any]] | None:
        log = await anon.get(f"/api/v1/webhooks/{created.json()['id']}/deliveries", headers=key)
        rows: list[dict[str, Any]] = log.json()
        return rows if rows and all(d["state"] == "failed" for d in rows) else None

    rows = await eventually(refused, timeout=15, interval=0.2, what="the refusal to be logged")
    assert {(d["attempts"], d["last_error"], d["last_status_code"]) for d in rows} == {
        (1, "address_refused", None)
    }
    await anon.delete(f"/api/v1/webhooks/{created.json()['id']}", headers=key)


async def test_a_revoked_or_rotated_key_and_a_disabled_account_end_their_webhooks(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform, receiver: Receiver
) -> None:
    """Subscriptions belong to the caller that made them: the gateway's revocation event ends
    them in intake, so a new change of a case they could see is no longer sent."""
    admin = await login(anon, platform, "admin")
    owners: dict[str, dict[str, str]] = {}
    key_ids: dict[str, str] = {}
    for name in ("revoked", "rotated"):
        made = await anon.post(
            "/api/v1/admin/api-keys",
            headers=admin,
            json={
                "name": f"roads partner, {name} {unique('k')}",
                "department_ids": ["roads-contractor"],
                "operations": ["webhooks.manage", "cases.read"],
            },
        )
        assert made.status_code == 201, made.text
        owners[name], key_ids[name] = {"X-API-Key": made.json()["key"]}, made.json()["id"]
    password = unique("pw") + "-long-enough"
    account = await anon.post(
        "/api/v1/admin/accounts",
        headers=admin,
        json={"username": unique("admin"), "password": password, "role": "admin"},
    )
    assert account.status_code == 201, account.text
    logged_in = await anon.post(
        "/api/v1/auth/login", json={"username": account.json()["username"], "password": password}
    )
    owners["disabled"] = {"Authorization": f"Bearer {logged_in.json()['access_token']}"}
    subscriptions = {}
    for name, headers in owners.items():
        made = await anon.post(
            "/api/v1/webhooks",
            json={"url": receiver.url, "statuses": ["dispatched"]},
            headers=headers,
        )
        assert made.status_code == 201, made.text
        subscriptions[name] = made.json()["id"]

    def signatures_for(case_id: str) -> int:
        return sum(json.loads(c["body"])["case"]["id"] == case_id for c in receiver.calls)

    # a resident's report dispatched to the roads contractor reaches all three
    lat, lon = a_patrol_point("road")
    before = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover, before"}
    )

    async def all_three() -> bool:
        return signatures_for(before["id"]) >= 3

    await eventually(all_three, what="the dispatch to reach every subscription")

    revoked = await anon.delete(f"/api/v1/admin/api-keys/{key_ids['revoked']}", headers=admin)
    rotated = await anon.post(f"/api/v1/admin/api-keys/{key_ids['rotated']}/rotate", headers=admin)
    disabled = await anon.delete(f"/api/v1/admin/accounts/{account.json()['id']}", headers=admin)
    assert (revoked.status_code, rotated.status_code, disabled.status_code) == (204, 201, 204)

    async def ended() -> bool:
        listed = await anon.get("/api/v1/webhooks", headers=admin)
        return not set(subscriptions.values()) & {s["id"] for s in listed.json()}

    await eventually(ended, timeout=30, what="intake to end the revoked callers' subscriptions")
    lat, lon = a_patrol_point("road")
    after = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover, after"}
    )
    await asyncio.sleep(1.5)  # the worker looks every 0.1 s
    assert signatures_for(after["id"]) == 0, "nothing is sent for a revoked caller"
