"""Lighting's per-process state, filled at start-up, and its runtime type."""

from __future__ import annotations

from dataclasses import dataclass, field

from zg_common.app import Runtime
from zg_lighting.config import LightingSettings
from zg_lighting.schedule import Schedule


@dataclass
class State:
    schedule: Schedule = field(init=False)  # when the lights should be on, off or dimmed


LightingRuntime = Runtime[LightingSettings, State]
