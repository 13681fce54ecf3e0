"""Grids in memory with a spatial index: position -> grid without a table scan."""

from __future__ import annotations

from dataclasses import dataclass

from zg_common.geo import AreaIndex
from zg_routing.models import Grid


@dataclass(frozen=True)
class GridRef:
    id: str
    zone_type: str


GridIndex = AreaIndex[GridRef]


def grid_index(grids: list[Grid]) -> GridIndex:
    """Grids in id order: on a shared edge the lowest id wins; outside them all, the nearest."""
    ordered = sorted(grids, key=lambda g: g.id)
    return AreaIndex([(g.geometry, GridRef(g.id, g.zone_type)) for g in ordered])
