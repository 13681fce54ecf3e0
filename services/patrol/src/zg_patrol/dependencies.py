"""FastAPI dependencies of patrol: what a route may ask for besides the request's session
(`zg_common.db.SessionDep`)."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import Depends, Request

from zg_common.app import runtime_dependency, runtime_of
from zg_common.jobs import Jobs
from zg_patrol.checkin.qr import PointCodes
from zg_patrol.requirements import Requirements
from zg_patrol.runtime import PatrolRuntime


def runtime(request: Request) -> PatrolRuntime:
    return cast(PatrolRuntime, runtime_of(request))


async def requirements(request: Request) -> Requirements:
    return runtime(request).state.requirements


async def object_types(request: Request) -> dict[str, dict[str, Any]]:
    return runtime(request).state.object_types


async def plan_jobs(request: Request) -> Jobs:
    from zg_patrol.plans.jobs import jobs_of

    return jobs_of(runtime(request))


async def point_codes(request: Request) -> PointCodes:
    return PointCodes.of(runtime(request).settings)


RuntimeDep = Annotated[PatrolRuntime, Depends(runtime_dependency)]
RequirementsDep = Annotated[Requirements, Depends(requirements)]
ObjectTypesDep = Annotated[dict[str, dict[str, Any]], Depends(object_types)]
PointCodesDep = Annotated[PointCodes, Depends(point_codes)]
JobsDep = Annotated[Jobs, Depends(plan_jobs)]
