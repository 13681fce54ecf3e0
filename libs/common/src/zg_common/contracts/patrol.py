"""Events published by the patrol service (topic `patrol.territory`)."""

from __future__ import annotations

from typing import ClassVar

from zg_common.events import EventContract

TOPIC_TERRITORY = "patrol.territory"


class TerritoryLoaded(EventContract):
    """The patrol service loaded a version of the territory (grids, points, routes, officers)."""

    event_type: ClassVar[str] = "patrol.territory.loaded.v1"
    topic: ClassVar[str] = TOPIC_TERRITORY

    dataset_version: str
    grids: int
    patrol_points: int
    routes: int
    officers: int


CONTRACTS: tuple[type[EventContract], ...] = (TerritoryLoaded,)
