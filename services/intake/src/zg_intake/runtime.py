"""Intake's per-process state, filled at start-up, and its runtime type."""

from __future__ import annotations

from dataclasses import dataclass, field

from zg_common.app import Runtime
from zg_common.territory import CopyFollower
from zg_intake.config import IntakeSettings
from zg_intake.storage import MediaStore
from zg_intake.territory import Reference


@dataclass
class State:
    reference: Reference = field(init=False)  # categories, district, grids, patrol points
    media_store: MediaStore = field(
        init=False
    )  # keeps the in-memory index of the territory copy in step with its tables
    territory_copy: CopyFollower = field(init=False)


IntakeRuntime = Runtime[IntakeSettings, State]
