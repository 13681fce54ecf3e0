"""Use cases of media: accept an upload, attach uploads to a case, decide who sees which copy."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import command_centre
from zg_common.db import unit_of_work
from zg_common.errors import (
    CaseNotFound,
    FieldError,
    Forbidden,
    PayloadTooLarge,
    ProblemError,
    UnsupportedMediaType,
    ValidationFailed,
)
from zg_common.identity import Identity
from zg_intake import history, media, repository
from zg_intake.access import may_read
from zg_intake.config import IntakeSettings
from zg_intake.exceptions import MediaNotFound
from zg_intake.models import Case, Media
from zg_intake.runtime import IntakeRuntime
from zg_intake.storage import LocalMediaStore, MediaStore, S3MediaStore, spooled_copy

PURPOSES = ("report", "before", "after", "disposal", "evidence")


def original_key(sha256: str) -> str:
    return f"original/{sha256[:2]}/{sha256}"


def public_key(sha256: str) -> str:
    return f"public/{sha256[:2]}/{sha256}"


def thumbnail_key(sha256: str) -> str:
    return f"thumbnail/{sha256[:2]}/{sha256}.jpg"


def build_store(settings: IntakeSettings) -> MediaStore:
    if settings.media_s3_endpoint:
        if settings.media_s3_access_key is None or settings.media_s3_secret_key is None:
            raise RuntimeError(
                "ZG_INTAKE_MEDIA_S3_ENDPOINT is set without ZG_INTAKE_MEDIA_S3_ACCESS_KEY "
                "and ZG_INTAKE_MEDIA_S3_SECRET_KEY"
            )
        return S3MediaStore(
            endpoint_url=settings.media_s3_endpoint,
            bucket=settings.media_s3_bucket,
            access_key=settings.media_s3_access_key.get_secret_value(),
            secret_key=settings.media_s3_secret_key.get_secret_value(),
            region=settings.media_s3_region,
            prefix=settings.media_s3_prefix,
        )
    return LocalMediaStore(settings.media_root)


async def start_store(runtime: IntakeRuntime) -> None:
    """Startup hook: the store is opened once per process and closed at shutdown."""
    store = build_store(runtime.settings)
    await store.start()
    runtime.cleanup.push_async_callback(store.close)
    runtime.state.media_store = store


@dataclass(frozen=True)
class Upload:
    path: Path  # the spooled upload, read-only here
    size: int
    purpose: str


async def upload_media(
    session: AsyncSession,
    *,
    store: MediaStore,
    upload: Upload,
    uploader: Identity,
    settings: IntakeSettings,
) -> Media:
    """Check the file by its content, store the original, its public copy and its thumbnail,
    and record it (not yet attached to a case)."""
    if upload.purpose not in PURPOSES:
        raise ValidationFailed(
            f"purpose must be one of {', '.join(PURPOSES)}",
            errors=[FieldError(field="purpose", code="invalid", message="unknown purpose")],
        )
    if upload.size == 0:
        raise rejected(media.MediaRejected("empty_file", "The file is empty"))
    head = await asyncio.to_thread(_read_head, upload.path)
    try:
        sniffed = media.sniff(head)
    except media.MediaRejected as exc:
        raise rejected(exc) from exc
    limit = (
        settings.media_max_photo_bytes
        if sniffed.kind == "photo"
        else settings.media_max_video_bytes
    )
    if upload.size > limit:
        raise PayloadTooLarge(
            f"A {sniffed.kind} may be at most {limit:,} bytes; this one has {upload.size:,}",
            code="media_too_large",
        )
    try:
        if sniffed.kind == "photo":
            derived = await asyncio.to_thread(
                media.derive_photo, upload.path, sniffed, max_pixels=settings.media_max_pixels
            )
            sha, size = derived.sha256, derived.size
        else:
            sha, size = await asyncio.to_thread(media.check_video, upload.path)
    except media.MediaRejected as exc:
        raise rejected(exc) from exc

    # Content-addressed: the same bytes uploaded twice share their files (written again, which
    # is harmless and heals a file a concurrent purge of an old upload may have just removed).
    await store.put_file(original_key(sha), upload.path, sniffed.content_type)
    if sniffed.kind == "photo":
        assert derived.public is not None and derived.thumbnail is not None
        await store.put_bytes(public_key(sha), derived.public, derived.public_type)
        await store.put_bytes(thumbnail_key(sha), derived.thumbnail, "image/jpeg")
        width, height, public_type = derived.width, derived.height, derived.public_type
        has_thumbnail, location_removed = True, derived.location_removed
    else:
        copy = await asyncio.to_thread(spooled_copy, upload.path)
        try:
            location_removed = await asyncio.to_thread(media.blank_video_location, copy)
            await store.put_file(public_key(sha), copy, sniffed.content_type)
        except media.MediaRejected as exc:
            raise rejected(exc) from exc
        finally:
            copy.unlink(missing_ok=True)
        width = height = None
        public_type, has_thumbnail = sniffed.content_type, False
    row = Media(
        id=uuid.uuid4(),
        purpose=upload.purpose,
        kind=sniffed.kind,
        original_type=sniffed.content_type,
        public_type=public_type,
        size=size,
        sha256=sha,
        width=width,
        height=height,
        has_thumbnail=has_thumbnail,
        location_removed=location_removed,
        uploaded_by_sub=uploader.sub,
        uploaded_by_role=uploader.role,
        uploaded_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return row


async def uploaded_today(session: AsyncSession, uploader: Identity) -> int:
    """Bytes `uploader` has uploaded in the last 24 hours (their daily quota's use)."""
    used = await session.scalar(
        select(func.coalesce(func.sum(Media.size), 0)).where(
            Media.uploaded_by_sub == uploader.sub,
            Media.uploaded_at > datetime.now(UTC) - timedelta(days=1),
        )
    )
    return int(used or 0)


def _read_head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(32)


def rejected(exc: media.MediaRejected) -> ProblemError:
    kind = UnsupportedMediaType if exc.code == "unsupported_media_type" else ValidationFailed
    return kind(
        exc.message,
        code=exc.code,
        errors=[FieldError(field="file", code=exc.code, message=exc.message)],
    )


async def attach_media(
    session: AsyncSession,
    *,
    case_id: uuid.UUID,
    media_ids: Sequence[uuid.UUID],
    owner: Identity,
    field: str = "media",
) -> None:
    """Attach the caller's own uploads that no case holds yet; any other id is a field error
    (someone else's upload is answered as unknown, so ids cannot be probed)."""
    if not media_ids:
        return
    wanted = list(dict.fromkeys(media_ids))
    result = await session.execute(
        update(Media)
        .where(
            Media.id.in_(wanted),
            Media.case_id.is_(None),
            Media.uploaded_by_sub == owner.sub,
        )
        .values(case_id=case_id)
        .returning(Media.id)
    )
    attached = set(result.scalars())
    missing = [m for m in wanted if m not in attached]
    if missing:
        message = "no upload of yours with this id that is not yet attached to a case"
        raise ValidationFailed(
            f"Unknown media: {', '.join(map(str, missing))}",
            code="unknown_media",
            errors=[
                FieldError(
                    field=f"{field}[{wanted.index(m)}]", code="unknown_media", message=message
                )
                for m in missing
            ],
        )


async def media_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[Media]:
    return list(
        await session.scalars(
            select(Media).where(Media.case_id == case_id).order_by(Media.uploaded_at, Media.id)
        )
    )


async def readable_media(
    session: AsyncSession, media_id: uuid.UUID, *, caller: Identity, variant: str
) -> Media:
    """Row rules: the uploader, and whoever may read the case it belongs to. The original
    (with its location) is for the command centre only."""
    row = await session.get(Media, media_id)
    if row is None:
        raise MediaNotFound(f"No media with id {media_id}")
    visible = row.uploaded_by_sub == caller.sub and caller.role != "anonymous"
    if not visible and row.case_id is not None:
        case = await session.get(Case, row.case_id)
        visible = case is not None and may_read(caller, case)
    if not visible and caller.role not in command_centre():
        raise MediaNotFound(f"No media with id {media_id}")
    if variant == "original" and caller.role not in command_centre():
        raise Forbidden(
            "Originals keep the photo's location; only the command centre may fetch them",
            code="original_media_forbidden",
        )
    if variant == "thumbnail" and not row.has_thumbnail:
        raise MediaNotFound(f"Media {media_id} has no thumbnail (videos have none)")
    return row


def stored_key(row: Media, variant: str) -> tuple[str, str]:
    if variant == "original":
        return original_key(row.sha256), row.original_type
    if variant == "thumbnail":
        return thumbnail_key(row.sha256), "image/jpeg"
    return public_key(row.sha256), row.public_type


async def add_to_case(
    session: AsyncSession, *, case_id: uuid.UUID, media_ids: Sequence[uuid.UUID], caller: Identity
) -> list[Media]:
    """Photos taken while working a case (a department's disposal, an officer's verification
    or check) attached to it: the caller's own uploads, on a case the caller may read; one
    history note says who added how many."""
    case = await repository.get_case(session, case_id, for_update=True, with_history=False)
    if case is None or not may_read(caller, case):
        raise CaseNotFound(f"No case with id {case_id}")
    await attach_media(session, case_id=case.id, media_ids=media_ids, owner=caller)
    rows = list(await session.scalars(select(Media).where(Media.id.in_(list(media_ids)))))
    purposes = sorted({row.purpose for row in rows})
    note = f"{len(rows)} photo(s) or video(s) added ({', '.join(purposes)}) by {caller.role}"
    await history.record(session, case, status=case.status, at=datetime.now(UTC), note=note)
    case.updated_at = datetime.now(UTC)
    return rows


async def purge_unattached(runtime: IntakeRuntime) -> int:
    """Hourly: uploads never attached to a case are dropped after the configured hours; their
    files go too unless another upload has the same content."""
    settings, store = runtime.settings, runtime.state.media_store
    cutoff = datetime.now(UTC) - timedelta(hours=settings.media_unattached_ttl_h)
    async with unit_of_work(runtime.sessions) as session:
        removed = list(
            (
                await session.execute(
                    delete(Media)
                    .where(Media.case_id.is_(None), Media.uploaded_at < cutoff)
                    .returning(Media.sha256)
                )
            ).scalars()
        )
        still_used = set(
            (
                await session.scalars(
                    select(Media.sha256).where(Media.sha256.in_(set(removed))).distinct()
                )
            ).all()
        )
    for sha in set(removed) - still_used:
        for key in (original_key(sha), public_key(sha), thumbnail_key(sha)):
            await store.delete(key)
    return len(removed)
