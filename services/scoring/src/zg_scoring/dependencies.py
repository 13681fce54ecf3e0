"""FastAPI dependencies of scoring: what a route may ask for besides the request's session
(`zg_common.db.SessionDep`)."""

from __future__ import annotations

from typing import cast

from fastapi import Request

from zg_common.app import runtime_of
from zg_scoring.runtime import ScoringRuntime


def runtime(request: Request) -> ScoringRuntime:
    return cast(ScoringRuntime, runtime_of(request))


async def runtime_dep(request: Request) -> ScoringRuntime:
    """`runtime` as a dependency (a sync one would run in a worker thread per request)."""
    return runtime(request)
