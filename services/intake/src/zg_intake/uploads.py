"""Receiving an upload as it streams in: a multipart body read chunk by chunk, its file judged
by its first bytes before any more is written, its size held to its kind's limit and to what
is left of the uploader's daily quota while it arrives. A refused upload is answered at once
(the client still sending reads the answer; the rest of the body is read away, not kept).
The gateway bounds how many uploads run at once and how long one may take."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from zg_common.errors import (
    FieldError,
    PayloadTooLarge,
    ProblemError,
    RateLimited,
    ValidationFailed,
)
from zg_intake import media, media_service
from zg_intake.config import IntakeSettings

HEAD = 32  # bytes `media.sniff` judges a file by
FIELD_LIMIT = 1024  # a form field's value (`purpose`)


@dataclass
class Received:
    path: Path | None = None  # the file's bytes, spooled
    size: int = 0
    fields: dict[str, str] = field(default_factory=dict)


class _Receiver:
    """The parser's callbacks: which part is being read, where its bytes go."""

    def __init__(self, settings: IntakeSettings, quota_left: int) -> None:
        self.settings = settings
        self.quota_left = quota_left
        self.got = Received()
        self.header_field = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.name: str | None = None
        self.value = bytearray()
        self.out: IO[bytes] | None = None
        self.head = bytearray()
        self.limit: int | None = None  # the file's kind's, once its head is judged

    def on_part_begin(self) -> None:
        self.headers, self.name, self.value = {}, None, bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = options.get(b"name", b"").decode("utf-8", "replace")
        if self.name == "file":
            if self.got.path is not None:
                raise _invalid("file", "one file per upload")
            self.out = tempfile.NamedTemporaryFile(prefix="zg-upload-", delete=False)  # noqa: SIM115
            self.got.path = Path(self.out.name)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.name != "file":
            self.value += chunk
            if len(self.value) > FIELD_LIMIT:
                raise _invalid(self.name or "field", f"at most {FIELD_LIMIT} bytes")
            return
        self.got.size += len(chunk)
        if self.limit is None:
            self.head += chunk[: HEAD - len(self.head)]
            if len(self.head) >= HEAD:
                self._judge()
        if self.limit is not None and self.got.size > self.limit:
            raise PayloadTooLarge(
                f"A file of this kind may be at most {self.limit:,} bytes",
                code="media_too_large",
            )
        if self.got.size > self.quota_left:
            raise RateLimited(
                "This upload would pass your daily upload quota "
                f"({self.settings.media_quota_bytes_per_day:,} bytes a day)",
                code="upload_quota_exceeded",
                headers={"Retry-After": "3600"},
            )
        assert self.out is not None
        self.out.write(chunk)

    def on_part_end(self) -> None:
        if self.name == "file":
            if self.limit is None and self.head:
                self._judge()  # a file shorter than the head
            if self.out is not None:
                self.out.close()
        elif self.name:
            self.got.fields[self.name] = self.value.decode("utf-8", "replace")

    def _judge(self) -> None:
        try:
            sniffed = media.sniff(bytes(self.head))
        except media.MediaRejected as exc:
            raise media_service.rejected(exc) from exc
        self.limit = (
            self.settings.media_max_photo_bytes
            if sniffed.kind == "photo"
            else self.settings.media_max_video_bytes
        )

    def close(self) -> None:
        if self.out is not None and not self.out.closed:
            self.out.close()


async def receive(request: Request, settings: IntakeSettings, *, quota_left: int) -> Received:
    """The upload's fields and its file (spooled; the caller removes it). Raises the problem
    as soon as it shows: no file (422), a file not of an accepted kind (415, from its
    first bytes), over its kind's size (413) or the uploader's quota (429)."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise _invalid("file", "send the file as multipart/form-data, in a part named 'file'")
    receiver = _Receiver(settings, quota_left)
    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": receiver.on_part_begin,
            "on_header_field": receiver.on_header_field,
            "on_header_value": receiver.on_header_value,
            "on_header_end": receiver.on_header_end,
            "on_headers_finished": receiver.on_headers_finished,
            "on_part_data": receiver.on_part_data,
            "on_part_end": receiver.on_part_end,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except ProblemError:
        _discard(receiver)
        raise
    except Exception as exc:  # the envelope itself is broken
        _discard(receiver)
        raise _invalid("file", "the multipart body could not be read") from exc
    receiver.close()
    if receiver.got.path is None:
        raise _invalid("file", "a part named 'file' is required")
    return receiver.got  # an empty file is refused by `media_service` (`empty_file`)


def _discard(receiver: _Receiver) -> None:
    receiver.close()
    if receiver.got.path is not None:
        receiver.got.path.unlink(missing_ok=True)


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"{name}: {message}", errors=[FieldError(field=name, code="invalid", message=message)]
    )
