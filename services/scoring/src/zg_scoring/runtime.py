"""Scoring's per-process state (none yet: its numbers live in its tables) and runtime type."""

from __future__ import annotations

from dataclasses import dataclass

from zg_common.app import Runtime
from zg_scoring.config import ScoringSettings


@dataclass
class State:
    pass


ScoringRuntime = Runtime[ScoringSettings, State]
