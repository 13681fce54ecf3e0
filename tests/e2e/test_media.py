"""Photos and videos through the gateway: uploaded, attached to a report, seen without location
by everyone but the command centre, refused when they are not what they claim."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from tests import media_samples as samples
from tests.e2e.conftest import MAX_PHOTO_BYTES, MAX_UPLOAD_BYTES, Platform, demo_credentials
from tests.e2e.support import a_patrol_point, assert_problem, login, report_and_wait_dispatched

pytestmark = pytest.mark.e2e


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    *,
    name: str = "photo.jpg",
    content_type: str = "image/jpeg",
    headers: dict[str, str] | None = None,
    purpose: str | None = None,
) -> httpx.Response:
    return await client.post(
        "/api/v1/media",
        files={"file": (name, data, content_type)},
        data={"purpose": purpose} if purpose else None,
        headers=headers,
    )


def assert_no_location(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif().get_ifd(samples.GPS_IFD)
    assert b"GPS" not in data and b"xmpmeta" not in data


async def test_a_reported_photo_shows_without_its_location_except_to_the_command_centre(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    original = samples.jpeg((640, 480), orientation=6)
    uploaded = await upload(api, original)
    assert uploaded.status_code == 201, uploaded.text
    photo: dict[str, Any] = uploaded.json()
    assert uploaded.headers["location"] == photo["url"] == f"/api/v1/media/{photo['id']}"
    assert photo["kind"] == "photo" and photo["purpose"] == "report"
    assert photo["location_removed"] is True
    assert (photo["width"], photo["height"]) == (480, 640)
    assert photo["original_url"] is None, "a resident is not offered the original"

    # the uploader sees the copy without location while reporting
    public = await api.get(photo["url"])
    assert public.status_code == 200 and public.headers["content-type"] == "image/jpeg"
    assert_no_location(public.content)

    lat, lon = a_patrol_point("road")
    case = await report_and_wait_dispatched(
        api,
        {
            "category": "C0104",
            "lat": lat,
            "lon": lon,
            "description": "Power cover broken, photo attached",
            "media": [photo["id"]],
        },
    )
    assert [m["id"] for m in case["media"]] == [photo["id"]]
    listed = (await api.get("/api/v1/cases", params={"number": case["number"]})).json()
    assert listed["items"][0]["thumbnail_url"] == photo["thumbnail_url"], "the list's pin"
    assert case["department"] == "roads-contractor"

    department = await login(anon, platform, "roads-staff")
    seen = await anon.get(photo["url"], headers=department)
    assert seen.status_code == 200
    assert_no_location(seen.content)
    assert seen.content == public.content
    thumbnail = await anon.get(photo["thumbnail_url"], headers=department)
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumbnail.content)) as thumb:
        assert max(thumb.size) <= 320
    assert_no_location(thumbnail.content)
    assert_problem(
        await anon.get(f"{photo['url']}?variant=original", headers=department),
        403,
        "original_media_forbidden",
    )
    # the same file again: not modified
    again = await anon.get(
        photo["url"], headers={**department, "If-None-Match": seen.headers["etag"]}
    )
    assert again.status_code == 304

    centre = await login(anon, platform, "dispatcher")
    case_for_centre = (await anon.get(f"/api/v1/cases/{case['id']}", headers=centre)).json()
    original_url = case_for_centre["media"][0]["original_url"]
    evidence = await anon.get(original_url, headers=centre)
    assert evidence.status_code == 200 and evidence.content == original, "kept byte for byte"

    # the hotline key's department is not the case's: the photo is not there for it
    key = demo_credentials(platform)["api_keys"][0]["key"]
    assert_problem(await anon.get(photo["url"], headers={"X-API-Key": key}), 404, "media_not_found")
    assert_problem(await anon.get(photo["url"]), 401, "authentication_required")


async def test_a_video_loses_its_location_and_has_no_thumbnail(api: httpx.AsyncClient) -> None:
    uploaded = await upload(
        api, samples.mp4(), name="clip.mp4", content_type="video/mp4", purpose="evidence"
    )
    assert uploaded.status_code == 201, uploaded.text
    video = uploaded.json()
    assert video["kind"] == "video" and video["content_type"] == "video/mp4"
    assert video["location_removed"] is True and video["thumbnail_url"] is None
    public = await api.get(video["url"])
    assert public.status_code == 200
    assert samples.VIDEO_LOCATION not in public.content
    assert len(public.content) == len(samples.mp4())
    assert_problem(await api.get(f"{video['url']}?variant=thumbnail"), 404, "media_not_found")


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b"<?php system($_GET['c']); ?>", "photo.jpg", "image/jpeg"),
        (b"%PDF-1.7\n%fake", "photo.png", "image/png"),
        (b"GIF89a" + b"\x00" * 40, "clip.mp4", "video/mp4"),
    ],
)
async def test_a_file_disguised_by_its_name_is_refused(
    api: httpx.AsyncClient, data: bytes, name: str, content_type: str
) -> None:
    body = assert_problem(
        await upload(api, data, name=name, content_type=content_type),
        415,
        "unsupported_media_type",
    )
    assert body["errors"][0]["field"] == "file"


async def test_upload_limits_and_bad_uploads(api: httpx.AsyncClient) -> None:
    big_photo = samples.jpeg((1600, 1200), noise=True, location=False)
    assert MAX_PHOTO_BYTES < len(big_photo) < MAX_UPLOAD_BYTES
    body = assert_problem(await upload(api, big_photo), 413, "media_too_large")
    assert f"{MAX_PHOTO_BYTES:,}" in body["detail"]
    over_body_limit = b"\xff\xd8\xff" + b"\x00" * MAX_UPLOAD_BYTES
    assert_problem(await upload(api, over_body_limit), 413, "payload_too_large")
    broken = assert_problem(
        await upload(api, b"\xff\xd8\xff\xe0 only the start of a jpeg"), 422, "media_unreadable"
    )
    assert broken["errors"][0]["field"] == "file"
    assert_problem(await upload(api, b""), 422, "empty_file")
    missing = assert_problem(
        await api.post("/api/v1/media", data={"purpose": "report"}), 422, "validation_failed"
    )
    assert "file" in {e["field"].split(".")[-1] for e in missing["errors"]}
    assert_problem(await upload(api, samples.jpeg(), purpose="selfie"), 422, "validation_failed")


async def test_only_ones_own_unattached_uploads_can_be_attached(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    report = {"category": "E0104", "lat": lat, "lon": lon, "description": "Mud on the road"}
    centre = await login(anon, platform, "dispatcher")
    theirs = (await upload(anon, samples.jpeg(), headers=centre)).json()["id"]
    refused = assert_problem(
        await api.post("/api/v1/cases", json={**report, "media": [theirs]}), 422, "unknown_media"
    )
    assert refused["errors"][0]["field"] == "media[0]"

    mine = (await upload(api, samples.jpeg())).json()["id"]
    first = await api.post("/api/v1/cases", json={**report, "media": [mine]})
    assert first.status_code == 201
    assert_problem(
        await api.post("/api/v1/cases", json={**report, "media": [mine]}), 422, "unknown_media"
    )
    # a refused report attaches nothing: the upload is still free for the next try
    spare = (await upload(api, samples.png())).json()["id"]
    assert_problem(
        await api.post("/api/v1/cases", json={**report, "media": [spare, theirs]}),
        422,
        "unknown_media",
    )
    assert (await api.post("/api/v1/cases", json={**report, "media": [spare]})).status_code == 201


async def test_a_department_attaches_its_disposal_photos_to_the_case(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    case = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover broken"}
    )
    staff = await login(anon, platform, "roads-staff")
    photo = (await upload(anon, samples.jpeg(), headers=staff, purpose="disposal")).json()["id"]
    path = f"/api/v1/cases/{case['id']}/media"
    assert_problem(await api.post(path, json={"media": [photo]}), 403, "operation_forbidden")
    centre = await login(anon, platform, "dispatcher")
    theirs = (await upload(anon, samples.jpeg(), headers=centre)).json()["id"]
    assert_problem(
        await anon.post(path, json={"media": [theirs]}, headers=staff), 422, "unknown_media"
    )
    assert_problem(
        await anon.post(path, json={"media": []}, headers=staff), 422, "validation_failed"
    )

    added = await anon.post(path, json={"media": [photo]}, headers=staff)
    assert added.status_code == 200, added.text
    assert [(m["id"], m["purpose"]) for m in added.json()] == [(photo, "disposal")]
    seen = (await api.get(f"/api/v1/cases/{case['id']}")).json()  # the reporter sees it
    assert photo in {m["id"] for m in seen["media"]}
    assert "added (disposal) by department_staff" in seen["history"][-1]["note"]

    # a case of another department's is not theirs to add to
    lat, lon = a_patrol_point("intersection")
    parking = await report_and_wait_dispatched(
        api, {"category": "E0403", "lat": lat, "lon": lon, "description": "Car on the kerb"}
    )
    other = (await upload(anon, samples.png(), headers=staff, purpose="disposal")).json()["id"]
    assert_problem(
        await anon.post(
            f"/api/v1/cases/{parking['id']}/media", json={"media": [other]}, headers=staff
        ),
        404,
        "case_not_found",
    )


async def test_a_file_of_another_kind_is_refused_at_its_first_bytes(
    platform: Platform, resident_token: str
) -> None:
    """The gateway streams an upload to intake, which judges the file by its first bytes as
    they arrive: the refusal comes while the client has sent only those of the 4 MB it
    declared (before, the whole body was read and written to disk first)."""
    url = urlsplit(platform.gateway)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    boundary = "zg-boundary-7"
    first = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"MZ\x90\x00"
        + b"\x00" * 60
    )  # a Windows program's first bytes
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(
            (
                f"POST /api/v1/media HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {resident_token}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {MAX_UPLOAD_BYTES}\r\n\r\n"
            ).encode()
            + first
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), timeout=15)
        assert status.split()[1] == b"415", status
        length = 0
        while (line := await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        body = json.loads(await asyncio.wait_for(reader.readexactly(length), timeout=5))
        assert body["code"] == "unsupported_media_type" and body["errors"][0]["field"] == "file"
    finally:
        writer.close()
