"""Grids in memory with a spatial index: position -> grid without a table scan."""

from __future__ import annotations

from dataclasses import dataclass

from zg_common.geo import AreaIndex
from zg_routing.models import Grid


@dataclass(frozen=True)
class GridRef:
    id: str
    zone_type: str


class GridIndex:
    """Grids in memory (position -> grid): built at start, rebuilt in place when patrol's
    changes reach routing's copy (whoever holds it sees the new one)."""

    def __init__(self, grids: list[Grid]) -> None:
        self.update(grids)

    def update(self, grids: list[Grid]) -> None:
        """Grids in id order: on a shared edge the lowest id wins; outside them all, the
        nearest."""
        ordered = sorted(grids, key=lambda g: g.id)
        self.index = AreaIndex([(g.geometry, GridRef(g.id, g.zone_type)) for g in ordered])

    def locate(self, lat: float, lon: float) -> GridRef:
        return self.index.locate(lat, lon)
