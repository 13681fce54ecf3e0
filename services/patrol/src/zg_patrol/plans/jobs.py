"""A day's plan is a job (`zg_common.jobs`): `POST /patrol/plans/{day}` answers 202 with the
job at once, a worker of any patrol replica runs the solver, and the job's result names the
plan it made. The solver takes seconds to minutes (the whole district, the configured
budget): never a request racing the gateway's deadline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from zg_common.jobs import Jobs, job_table
from zg_patrol.models import metadata
from zg_patrol.plans import service as plans
from zg_patrol.runtime import PatrolRuntime

PLAN = "patrol.plan"
TABLE = job_table(metadata)


def jobs_of(runtime: PatrolRuntime) -> Jobs:
    """The process's jobs and their handlers (made once)."""
    if runtime.state.jobs is None:

        async def make_plan(params: Mapping[str, Any]) -> dict[str, Any]:
            day = date.fromisoformat(params["day"])
            run = await plans.generate(runtime, day, params["by"])
            return {
                "plan": f"/api/v1/patrol/plans/{day.isoformat()}",
                "day": day.isoformat(),
                "version": run.id,
                "visits": run.visits,
                "planned": run.planned,
                "unplanned_by_reason": run.unplanned_by_reason,
                "seconds": run.seconds,
            }

        runtime.state.jobs = Jobs(TABLE, {PLAN: make_plan})
    return runtime.state.jobs


async def work(runtime: PatrolRuntime) -> None:
    """Background loop: run the plans asked for, as they come."""
    await jobs_of(runtime).work(runtime.sessions)
