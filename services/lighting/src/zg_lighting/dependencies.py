"""FastAPI dependencies of the lighting service: what a route may ask for besides the
request's session (`zg_common.db.SessionDep`)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from zg_common.app import runtime_of
from zg_lighting.config import LightingSettings
from zg_lighting.runtime import LightingRuntime, State


def runtime(request: Request) -> LightingRuntime:
    return cast(LightingRuntime, runtime_of(request))


async def state(request: Request) -> State:
    return runtime(request).state


async def settings(request: Request) -> LightingSettings:
    return runtime(request).settings


StateDep = Annotated[State, Depends(state)]
SettingsDep = Annotated[LightingSettings, Depends(settings)]
