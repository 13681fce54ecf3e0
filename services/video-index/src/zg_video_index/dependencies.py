"""FastAPI dependencies of the video index: what a route may ask for besides the request's
session (`zg_common.db.SessionDep`)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from zg_common.app import runtime_dependency, runtime_of
from zg_common.jobs import Jobs
from zg_video_index import imports
from zg_video_index.runtime import State, VideoIndexRuntime


def runtime(request: Request) -> VideoIndexRuntime:
    return cast(VideoIndexRuntime, runtime_of(request))


async def state(request: Request) -> State:
    return runtime(request).state


async def import_jobs(request: Request) -> Jobs:
    return imports.jobs_of(runtime(request))


RuntimeDep = Annotated[VideoIndexRuntime, Depends(runtime_dependency)]
StateDep = Annotated[State, Depends(state)]
ImportJobsDep = Annotated[Jobs, Depends(import_jobs)]
