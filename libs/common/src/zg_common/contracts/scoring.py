"""Events published by the scoring service. None yet: scores are projections of other events."""

from __future__ import annotations

from zg_common.events import EventContract

CONTRACTS: tuple[type[EventContract], ...] = ()
