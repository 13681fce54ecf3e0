"""Patrol's per-process state, filled at start-up from the data set, and its runtime type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zg_common.app import Runtime
from zg_common.jobs import Jobs
from zg_patrol.config import PatrolSettings
from zg_patrol.requirements import Requirements


@dataclass
class State:
    requirements: Requirements = field(init=False)  # shifts and what each point needs
    object_types: dict[str, dict[str, Any]] = field(init=False)  # id -> object type
    jobs: Jobs | None = None  # long jobs (a day's plan): plans.jobs.jobs_of


PatrolRuntime = Runtime[PatrolSettings, State]
