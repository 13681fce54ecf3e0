"""Intake's media use cases against the real database: content-addressed files shared by equal
uploads, and the purge of uploads never attached to a case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests import media_samples as samples
from zg_common.db import unit_of_work
from zg_common.identity import Identity
from zg_intake import media_service
from zg_intake.config import IntakeSettings
from zg_intake.models import Case, Category, Media
from zg_intake.runtime import IntakeRuntime
from zg_intake.storage import LocalMediaStore

pytestmark = pytest.mark.integration

RESIDENT = Identity.model_validate({"sub": "resident-1", "role": "resident"})


@pytest.fixture
async def runtime(intake_engine: AsyncEngine, tmp_path: Path) -> IntakeRuntime:
    store = LocalMediaStore(tmp_path / "media")
    await store.start()
    return cast(
        IntakeRuntime,
        SimpleNamespace(
            settings=IntakeSettings(media_root=tmp_path / "media", media_unattached_ttl_h=24),
            sessions=async_sessionmaker(intake_engine, expire_on_commit=False),
            state=SimpleNamespace(media_store=store),
        ),
    )


async def upload(runtime: IntakeRuntime, tmp_path: Path, data: bytes) -> Media:
    path = tmp_path / f"{uuid.uuid4().hex}.upload"
    path.write_bytes(data)
    async with unit_of_work(runtime.sessions) as session:
        return await media_service.upload_media(
            session,
            store=runtime.state.media_store,
            upload=media_service.Upload(path=path, size=len(data), purpose="report"),
            uploader=RESIDENT,
            settings=runtime.settings,
        )


async def age(runtime: IntakeRuntime, media_id: uuid.UUID, hours: int) -> None:
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            update(Media)
            .where(Media.id == media_id)
            .values(uploaded_at=datetime.now(UTC) - timedelta(hours=hours))
        )


async def files_of(runtime: IntakeRuntime, sha: str) -> list[bool]:
    store = runtime.state.media_store
    keys = (
        media_service.original_key(sha),
        media_service.public_key(sha),
        media_service.thumbnail_key(sha),
    )
    return [await store.exists(k) for k in keys]


async def test_equal_uploads_share_files_until_the_last_one_is_purged(
    runtime: IntakeRuntime, tmp_path: Path
) -> None:
    data = samples.jpeg((90, 60))
    first = await upload(runtime, tmp_path, data)
    second = await upload(runtime, tmp_path, data)
    assert first.id != second.id and first.sha256 == second.sha256
    assert await files_of(runtime, first.sha256) == [True, True, True]

    await age(runtime, first.id, 25)
    assert await media_service.purge_unattached(runtime) == 1
    assert await files_of(runtime, first.sha256) == [True, True, True], "still used"

    await age(runtime, second.id, 25)
    assert await media_service.purge_unattached(runtime) == 1
    assert await files_of(runtime, first.sha256) == [False, False, False]


async def test_attached_and_recent_uploads_are_kept(runtime: IntakeRuntime, tmp_path: Path) -> None:
    recent = await upload(runtime, tmp_path, samples.jpeg((30, 20)))
    attached = await upload(runtime, tmp_path, samples.png((30, 20)))
    async with unit_of_work(runtime.sessions) as session:
        await session.merge(
            Category(code="E0104", kind="event", level="minor", name="道路不洁", name_en="Dirty")
        )
        await session.flush()
        case = Case(
            category="E0104",
            lat=31.8,
            lon=117.3,
            description="x",
            source="resident_app",
            status="reported",
            reporter_sub=RESIDENT.sub,
        )
        session.add(case)
        await session.flush()
        await media_service.attach_media(
            session, case_id=case.id, media_ids=[attached.id], owner=RESIDENT
        )
    await age(runtime, attached.id, 48)
    await age(runtime, recent.id, 23)
    assert await media_service.purge_unattached(runtime) == 0
    assert await files_of(runtime, attached.sha256) == [True, True, True]
    assert await files_of(runtime, recent.sha256) == [True, True, True]
