"""FastAPI dependencies of the access service: what a route may ask for besides the request's
session (`zg_common.db.SessionDep`)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from zg_access.config import AccessSettings
from zg_access.runtime import AccessRuntime, State
from zg_common.app import runtime_of


def runtime(request: Request) -> AccessRuntime:
    return cast(AccessRuntime, runtime_of(request))


async def state(request: Request) -> State:
    return runtime(request).state


async def settings(request: Request) -> AccessSettings:
    return runtime(request).settings


StateDep = Annotated[State, Depends(state)]
SettingsDep = Annotated[AccessSettings, Depends(settings)]
