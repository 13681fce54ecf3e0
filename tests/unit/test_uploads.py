"""Receiving an upload as it streams: judged by its first bytes, held to its kind's size and
the uploader's quota while it arrives — and no more of the body read once it is refused."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from tests import media_samples as samples
from zg_common.errors import PayloadTooLarge, RateLimited, UnsupportedMediaType, ValidationFailed
from zg_intake import uploads
from zg_intake.config import IntakeSettings

BOUNDARY = "zg-test-boundary"
SETTINGS = IntakeSettings(media_max_photo_bytes=4096, media_max_video_bytes=8192)


class Body:
    """A request body in chunks, counting how many the receiver asked for."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.read = 0

    async def __call__(self) -> dict[str, Any]:
        chunk = self.chunks[self.read]
        self.read += 1
        return {
            "type": "http.request",
            "body": chunk,
            "more_body": self.read < len(self.chunks),
        }


def multipart(file: bytes, *, chunk: int, purpose: str | None = "before") -> list[bytes]:
    parts = b""
    if purpose is not None:
        parts += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n{purpose}\r\n'
        ).encode()
    parts += (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="x.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    body = parts + file + f"\r\n--{BOUNDARY}--\r\n".encode()
    return [body[i : i + chunk] for i in range(0, len(body), chunk)]


def request(body: Body, content_type: str = f"multipart/form-data; boundary={BOUNDARY}") -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/media",
        "headers": [(b"content-type", content_type.encode())],
    }
    return Request(scope, body)


async def test_a_photo_arrives_with_its_fields() -> None:
    photo = samples.jpeg((32, 32))
    body = Body(multipart(photo, chunk=100))
    got = await uploads.receive(request(body), SETTINGS, quota_left=10**9)
    try:
        assert got.path is not None and got.path.read_bytes() == photo
        assert got.size == len(photo) and got.fields == {"purpose": "before"}
        assert body.read == len(body.chunks)
    finally:
        assert got.path is not None
        got.path.unlink()


async def test_a_file_of_another_kind_is_refused_at_its_first_bytes() -> None:
    body = Body(multipart(b"MZ\x90\x00" + b"\0" * 5000, chunk=200, purpose=None))
    with pytest.raises(UnsupportedMediaType) as refused:
        await uploads.receive(request(body), SETTINGS, quota_left=10**9)
    assert refused.value.instance_code == "unsupported_media_type"
    assert body.read == 1, "nothing after the chunk that showed the kind was read"


async def test_a_file_over_its_kinds_size_or_the_quota_is_refused_as_it_passes() -> None:
    too_big = Body(multipart(b"\xff\xd8\xff" + b"\0" * 20_000, chunk=1000))
    with pytest.raises(PayloadTooLarge) as large:
        await uploads.receive(request(too_big), SETTINGS, quota_left=10**9)
    assert large.value.instance_code == "media_too_large"
    assert too_big.read <= 6 < len(too_big.chunks)  # stopped at about 4096 bytes of file

    over_quota = Body(multipart(b"\xff\xd8\xff" + b"\0" * 3000, chunk=500))
    with pytest.raises(RateLimited) as quota:
        await uploads.receive(request(over_quota), SETTINGS, quota_left=1000)
    assert quota.value.instance_code == "upload_quota_exceeded"
    assert over_quota.read < len(over_quota.chunks)


async def test_no_file_or_no_multipart_is_a_field_error() -> None:
    form = Body([b"purpose=report"])
    with pytest.raises(ValidationFailed) as urlencoded:
        await uploads.receive(
            request(form, "application/x-www-form-urlencoded"), SETTINGS, quota_left=10**9
        )
    assert urlencoded.value.errors[0].field == "file"
    fields_only = Body(
        [
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n'
                f"report\r\n--{BOUNDARY}--\r\n"
            ).encode()
        ]
    )
    with pytest.raises(ValidationFailed) as missing:
        await uploads.receive(request(fields_only), SETTINGS, quota_left=10**9)
    assert missing.value.errors[0].field == "file"
