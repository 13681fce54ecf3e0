"""Routing's per-process state, filled at start-up from the data set, and its runtime type."""

from __future__ import annotations

from dataclasses import dataclass, field

from zg_common.app import Runtime
from zg_common.territory import CopyFollower
from zg_routing.calendar import Clock
from zg_routing.config import RoutingSettings
from zg_routing.rulebook import Rulebook
from zg_routing.territory import GridIndex


@dataclass
class State:
    grids: GridIndex = field(init=False)  # position -> grid
    zone_types: frozenset[str] = field(init=False)
    clock: Clock = field(init=False)  # working calendars and time limits
    # the rules, departments and fallback owner in memory, current per transaction
    rulebook: Rulebook = field(default_factory=Rulebook)
    # keeps the in-memory index of the territory copy in step with its tables
    territory_copy: CopyFollower = field(init=False)


RoutingRuntime = Runtime[RoutingSettings, State]
