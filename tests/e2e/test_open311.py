"""Open311 GeoReport v2 through the gateway, as FixMyStreet speaks it: JSON and XML, form POSTs
with the api_key in the body, attributes, and every error in the spec's format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.e2e.conftest import Platform, demo_credentials
from tests.e2e.support import a_patrol_point, login
from tests.helpers import eventually, unique

pytestmark = pytest.mark.e2e

BASE = "/open311/v2"


@pytest.fixture
def api_key(platform: Platform) -> str:
    key: str = demo_credentials(platform)["api_keys"][0]["key"]
    return key


def open311_error(response: httpx.Response, status: int) -> str:
    """The spec's error body; returns the descriptions, joined."""
    assert response.status_code == status, response.text
    if response.headers["content-type"].startswith("text/xml"):
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        errors = [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root]
    else:
        assert response.headers["content-type"].startswith("application/json")
        errors = [(e["code"], e["description"]) for e in response.json()]
    assert errors and all(code == status for code, _ in errors)
    return " | ".join(d for _, d in errors)


async def post_request(
    anon: httpx.AsyncClient, fmt: str, form: dict[str, str] | list[tuple[str, str]]
) -> httpx.Response:
    """Form-encoded, repeated keys kept (attribute[code][]), as FixMyStreet posts."""
    return await anon.post(
        f"{BASE}/requests.{fmt}",
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )


async def test_discovery_and_services_in_json_and_xml(anon: httpx.AsyncClient) -> None:
    discovery = await anon.get(f"{BASE}/discovery.json")
    assert discovery.status_code == 200
    url = discovery.json()["endpoints"][0]["url"]
    assert url == f"{anon.base_url}/open311/v2/".replace("//open311", "/open311"), url
    xml = await anon.get(f"{BASE}/discovery.xml")
    assert xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert ET.fromstring(xml.content).find("endpoints/endpoint/formats/format") is not None

    services = await anon.get(f"{BASE}/services.json")
    assert services.headers["content-type"] == "application/json; charset=utf-8"
    listed = {s["service_code"]: s for s in services.json()}
    assert len(listed) == 69  # every minor category (67, and 2 of smart access)
    assert listed["E0403"]["metadata"] is True and listed["E0104"]["metadata"] is False
    assert listed["E0403"]["type"] == "realtime" and listed["E0403"]["group"] == "街面秩序"
    root = ET.fromstring((await anon.get(f"{BASE}/services.xml")).content)
    assert root.tag == "services" and len(root.findall("service")) == 69

    definition = (await anon.get(f"{BASE}/services/E0403.json")).json()
    assert definition["service_code"] == "E0403"
    vehicle = definition["attributes"][0]
    assert vehicle["code"] == "vehicle" and vehicle["datatype"] == "singlevaluelist"
    assert {"key": "car", "name": "小汽车 car"} in vehicle["values"]
    assert vehicle["variable"] is True and vehicle["order"] == 1
    xml_def = ET.fromstring((await anon.get(f"{BASE}/services/C0109.xml")).content)
    assert xml_def.findtext("attributes/attribute/required") == "true"
    assert len(xml_def.findall("attributes/attribute/values/value")) == 4

    open311_error(await anon.get(f"{BASE}/services/E9999.json"), 404)
    open311_error(await anon.get(f"{BASE}/services/E9999.xml"), 404)
    open311_error(await anon.get(f"{BASE}/services.yaml"), 400)
    open311_error(await anon.get(f"{BASE}/services.json?jurisdiction_id=sfgov.org"), 404)
    ok = await anon.get(f"{BASE}/services.json?jurisdiction_id=")  # empty is as if not sent
    assert ok.status_code == 200


async def test_a_request_round_trip_in_json_and_xml(anon: httpx.AsyncClient, api_key: str) -> None:
    lat, lon = a_patrol_point("road")
    created = await post_request(
        anon,
        "json",
        {
            "api_key": api_key,
            "service_code": "E0104",
            "lat": str(lat),
            "long": str(lon),
            "description": "Mud on the road, reported through FixMyStreet",
            "first_name": "Li",
            "last_name": "Lei",
            "phone": "13900000000",
            "email": "li@example.org",
        },
    )
    assert created.status_code == 201, created.text
    (answer,) = created.json()
    number = answer["service_request_id"]
    assert number.startswith("FX") and "token" not in answer

    async def dispatched() -> dict[str, Any] | None:
        (request,) = (await anon.get(f"{BASE}/requests/{number}.json")).json()
        return request if request["agency_responsible"] else None

    request = await eventually(dispatched, what="the Open311 request to be dispatched")
    assert request["status"] == "open" and request["service_code"] == "E0104"
    # the public sees the place to about 110 m, the key that reported it exactly
    assert (request["lat"], request["long"]) == (round(lat, 3), round(lon, 3))
    (own,) = (await anon.get(f"{BASE}/requests/{number}.json?api_key={api_key}")).json()
    assert (own["lat"], own["long"]) == (lat, lon)
    assert request["requested_datetime"].endswith("+08:00")
    assert request["expected_datetime"].endswith("+08:00"), "the SLA deadline"
    assert "Li" not in str(request) and "13900000000" not in str(request), "reporter private"

    xml = await anon.get(f"{BASE}/requests/{number}.xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == number
    assert root.findtext("request/status") == "open"

    # service_request_id overrides every other filter (status=closed would exclude it)
    both = await anon.get(
        f"{BASE}/requests.json",
        params={"service_request_id": f"{number},FX00000000000000", "status": "closed"},
    )
    assert [r["service_request_id"] for r in both.json()] == [number]
    listed = await anon.get(
        f"{BASE}/requests.json", params={"service_code": "E0104", "status": "open"}
    )
    assert number in {r["service_request_id"] for r in listed.json()}

    since = datetime.now(UTC) - timedelta(hours=1)
    updates = await anon.get(
        f"{BASE}/servicerequestupdates.json",
        params={"api_key": api_key, "start_date": since.isoformat()},
    )
    assert updates.status_code == 200, updates.text
    mine = [
        u for u in updates.json()["service_request_updates"] if u["service_request_id"] == number
    ]
    assert [u["status"] for u in mine][:4] == ["OPEN", "OPEN", "OPEN", "ACTION_SCHEDULED"]


async def test_attributes_arrive_with_the_form(
    anon: httpx.AsyncClient, api_key: str, platform: Platform
) -> None:
    lat, lon = a_patrol_point("market")
    created = await post_request(
        anon,
        "xml",
        [
            ("api_key", api_key),
            ("service_code", "E0401"),
            ("lat", str(lat)),
            ("long", str(lon)),
            ("attribute[goods][]", "fruit"),
            ("attribute[goods][]", "food"),
        ],
    )
    assert created.status_code == 201, created.text
    number = ET.fromstring(created.content).findtext("request/service_request_id")
    assert number


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"lat": "31.8", "long": "117.3"}, 400, "service_code"),
        ({"service_code": "E9999", "lat": "31.8", "long": "117.3"}, 404, "E9999"),
        ({"service_code": "E0104", "lat": "31.8"}, 400, "lat and long"),
        ({"service_code": "E0104"}, 400, "location"),
        ({"service_code": "E0104", "address_string": "徽州大道"}, 400, "address_string"),
        ({"service_code": "E0104", "lat": "north", "long": "117.3"}, 400, "lat"),
        ({"service_code": "E0104", "lat": "0", "long": "0"}, 400, "outside the district"),
        ({"service_code": "C0109", "lat": "31.8", "long": "117.3"}, 400, "attribute[fault]"),
        (
            {"service_code": "E0403", "lat": "31.8", "long": "117.3", "attribute[vehicle]": "tank"},
            400,
            "attribute[vehicle]",
        ),
        ({"service_code": "E0104", "address_id": "P9999"}, 400, "P9999"),
        (
            {"service_code": "E0104", "lat": "31.8", "long": "117.3", "description": "x" * 4001},
            400,
            "description",
        ),
    ],
)
async def test_bad_submissions_get_the_specs_errors(
    anon: httpx.AsyncClient, api_key: str, form: dict[str, str], status: int, says: str
) -> None:
    for fmt in ("json", "xml"):
        response = await post_request(anon, fmt, {"api_key": api_key, **form})
        assert says in open311_error(response, status)


async def test_a_partner_pushes_a_citizens_update_once(
    anon: httpx.AsyncClient, api_key: str, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    created = await post_request(
        anon,
        "json",
        {"api_key": api_key, "service_code": "E0104", "lat": str(lat), "long": str(lon)},
    )
    number = created.json()[0]["service_request_id"]
    update = {
        "api_key": api_key,
        "service_request_id": number,
        "update_id": "fms-update-77",
        "status": "FIXED",
        "updated_datetime": "2026-11-27T10:00:00+08:00",
        "description": "Resident says the road was swept this morning",
    }
    pushed = await anon.post(
        f"{BASE}/servicerequestupdates.json",
        content=urlencode(update),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert pushed.status_code == 200, pushed.text
    (ours,) = pushed.json()["service_request_updates"]
    again = await anon.post(
        f"{BASE}/servicerequestupdates.xml",
        content=urlencode(update),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ET.fromstring(again.content).findtext("request_update/update_id") == ours["update_id"]
    (request,) = (await anon.get(f"{BASE}/requests/{number}.json")).json()
    assert request["status"] == "open", "a citizen's claim does not close a case"
    missing = {k: v for k, v in update.items() if k != "update_id"}
    assert "update_id" in open311_error(
        await anon.post(
            f"{BASE}/servicerequestupdates.json",
            content=urlencode(missing),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        400,
    )
    unknown = {**update, "service_request_id": "FX19990101000001"}
    open311_error(
        await anon.post(
            f"{BASE}/servicerequestupdates.json",
            content=urlencode(unknown),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        404,
    )


async def test_keys_and_query_errors(anon: httpx.AsyncClient, api_key: str) -> None:
    form = {"service_code": "E0104", "lat": "31.8", "long": "117.3"}
    open311_error(await post_request(anon, "json", form), 403)
    open311_error(await post_request(anon, "json", {**form, "api_key": "zg_wrong"}), 403)
    open311_error(await post_request(anon, "xml", {**form, "api_key": "zg_wrong"}), 403)
    open311_error(await anon.get(f"{BASE}/servicerequestupdates.json"), 403)

    assert "start_date" in open311_error(
        await anon.get(f"{BASE}/requests.json", params={"start_date": "yesterday"}), 400
    )
    assert "90 days" in open311_error(
        await anon.get(
            f"{BASE}/requests.json",
            params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        ),
        400,
    )
    open311_error(await anon.get(f"{BASE}/requests.json", params={"status": "pending"}), 400)
    open311_error(await anon.get(f"{BASE}/requests/not-a-number.json"), 404)
    open311_error(await anon.get(f"{BASE}/requests/not-a-number.xml"), 404)
    open311_error(await anon.get(f"{BASE}/tokens/not-a-token.json"), 404)
    open311_error(await anon.get(f"{BASE}/unknown.json"), 404)


async def test_the_public_face_shows_no_camera_no_hotline_order_and_no_broken_xml(
    anon: httpx.AsyncClient, api_key: str, platform: Platform
) -> None:
    """Camera alarms would map the cameras and hotline orders are callers' calls: the public
    listing leaves them out (by id, by number, by token); a control character in a description
    does not break the XML."""
    video = {"X-API-Key": demo_credentials(platform)["api_keys"][1]["key"]}
    alarm = {
        "alarm_id": unique("o311"),
        "camera_id": "XQ-00300",
        "category": "E0402",
        "detected_at": datetime.now(UTC).isoformat(),
        "confidence": 0.9,
    }
    raised = await anon.post("/api/v1/camera-alarms", json=alarm, headers=video)
    assert raised.status_code == 202, raised.text
    lat, lon = a_patrol_point("road")
    order = await anon.post(
        "/api/v1/cases",
        headers={"X-API-Key": api_key},
        json={
            "category": "E0104",
            "lat": lat,
            "lon": lon,
            "description": "Caller: mud\x0bon the road\x01",
            "external_ref": {"system": "12345", "id": unique("BH")},
        },
    )
    assert order.status_code == 201, order.text
    number, token = order.json()["number"], order.json()["id"]
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()

    # the key that filed the order sees it, exactly
    mine = (await anon.get(f"{BASE}/requests/{number}.json", params={"api_key": api_key})).json()
    assert [r["service_request_id"] for r in mine] == [number]
    assert (mine[0]["lat"], mine[0]["long"]) == (lat, lon)
    xml = await anon.get(f"{BASE}/requests/{number}.xml", params={"api_key": api_key})
    assert "\ufffd" in (ET.fromstring(xml.content).findtext("request/description") or "")

    assert (await anon.get(f"{BASE}/requests/{number}.json")).status_code == 404
    listed = (await anon.get(f"{BASE}/requests.json", params={"start_date": since})).json()
    numbers = {r["service_request_id"] for r in listed}
    assert number not in numbers
    open311_error(await anon.get(f"{BASE}/tokens/{token}.json"), 404)
    assert (await anon.get(f"{BASE}/tokens/{token}.json", params={"api_key": api_key})).json()[0][
        "service_request_id"
    ] == number
    leader = await login(anon, platform, "shift-leader")

    async def alarm_case() -> str | None:
        found = await anon.get(
            "/api/v1/cases",
            params={"source": "camera", "category": "E0402", "limit": 5},
            headers=leader,
        )
        items = [c for c in found.json()["items"] if c["reported_at"] >= since[:19]]
        return items[0]["number"] if items else None

    camera_number = await eventually(alarm_case, what="the alarm to become a case")
    assert camera_number not in numbers
    assert (await anon.get(f"{BASE}/requests/{camera_number}.json")).status_code == 404
    public = (await anon.get(f"{BASE}/requests.json", params={"start_date": since})).json()
    assert camera_number not in {r["service_request_id"] for r in public}
    assert not any("XQ-00300" in str(r) for r in public)
