"""FastAPI dependencies of routing: what a route may ask for besides the request's session
(`zg_common.db.SessionDep`)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from zg_common.app import runtime_of
from zg_routing.calendar import Clock
from zg_routing.config import RoutingSettings
from zg_routing.rulebook import Rulebook
from zg_routing.runtime import RoutingRuntime


def runtime(request: Request) -> RoutingRuntime:
    return cast(RoutingRuntime, runtime_of(request))


async def settings(request: Request) -> RoutingSettings:
    return runtime(request).settings


async def clock(request: Request) -> Clock:
    return runtime(request).state.clock


async def rulebook(request: Request) -> Rulebook:
    return runtime(request).state.rulebook


async def zone_types(request: Request) -> frozenset[str]:
    return runtime(request).state.zone_types


SettingsDep = Annotated[RoutingSettings, Depends(settings)]
ClockDep = Annotated[Clock, Depends(clock)]
RulebookDep = Annotated[Rulebook, Depends(rulebook)]
ZoneTypesDep = Annotated[frozenset[str], Depends(zone_types)]
