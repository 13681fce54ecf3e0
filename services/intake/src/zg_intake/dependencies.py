"""FastAPI dependencies of intake: what a route may ask for besides the request's session
(`zg_common.db.SessionDep`)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from zg_common.app import runtime_of
from zg_intake.config import IntakeSettings
from zg_intake.runtime import IntakeRuntime
from zg_intake.storage import MediaStore
from zg_intake.territory import Reference


def runtime(request: Request) -> IntakeRuntime:
    return cast(IntakeRuntime, runtime_of(request))


async def settings(request: Request) -> IntakeSettings:
    return runtime(request).settings


async def reference(request: Request) -> Reference:
    return runtime(request).state.reference


async def media_store(request: Request) -> MediaStore:
    return runtime(request).state.media_store


SettingsDep = Annotated[IntakeSettings, Depends(settings)]
ReferenceDep = Annotated[Reference, Depends(reference)]
MediaStoreDep = Annotated[MediaStore, Depends(media_store)]
