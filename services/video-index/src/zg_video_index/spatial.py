"""The in-memory spatial index of cameras: which cameras see a point, the nearest ones, those
inside an area. Built from the registry at start and kept right on every change (a camera
added, moved, turned, removed; a mobile unit's new fix) in O(1).

Geometry is in the district's local tangent plane (equirectangular at a reference latitude:
x east, y north, in metres; at district scale, a kilometre, it differs from the great circle by
well under a millimetre per metre). A camera sees a point when the point is within its range
(inclusive) and its bearing from the camera is within half the field of view of the heading
(inclusive; headings in degrees clockwise from north, any value, wrapped); a field of view of
360 degrees sees all around (mobile units), and a camera sees the point it stands on.

Cameras sit in square cells; their coordinates and views live in numpy arrays, so a query
gathers the candidates of the cells within the largest range and tests them in one vectorised
pass."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from zg_common.geo import Projection

EPS_M = 1e-6  # a point exactly at a camera's range is seen
EPS_DEG = 1e-9  # and exactly on the edge of its wedge


@dataclass(frozen=True)
class View:
    """What a camera sees: a wedge (heading, field of view) to a range."""

    heading_deg: float = 0.0
    fov_deg: float = 360.0
    range_m: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.fov_deg <= 360:
            raise ValueError("the field of view is between 0 (excluded) and 360 degrees")
        if not self.range_m > 0:
            raise ValueError("the range is positive")


class CameraIndex:
    def __init__(self, projection: Projection, *, cell_m: float = 100.0) -> None:
        self.projection = projection
        self.cell_m = cell_m
        size = 1024
        self._x = np.zeros(size)
        self._y = np.zeros(size)
        self._lat = np.zeros(size)
        self._lon = np.zeros(size)
        self._heading = np.zeros(size)
        self._half_fov = np.zeros(size)
        self._range = np.zeros(size)
        self._ids: list[str | None] = [None] * size
        self._slot: dict[str, int] = {}
        self._cell_of: dict[int, tuple[int, int]] = {}
        self._free: list[int] = list(range(size - 1, -1, -1))
        self._cells: dict[tuple[int, int], set[int]] = defaultdict(set)
        self._cell_arrays: dict[tuple[int, int], np.ndarray] = {}
        self._ranges: dict[float, int] = defaultdict(int)  # range -> cameras with it
        self._max_range = 0.0
        self._extent: tuple[int, int, int, int] | None = None  # cells ever used: i0, j0, i1, j1

    def __len__(self) -> int:
        return len(self._slot)

    def ids(self) -> list[str]:
        return list(self._slot)

    def __contains__(self, camera_id: object) -> bool:
        return camera_id in self._slot

    # --- changes --------------------------------------------------------------------------

    def upsert(self, camera_id: str, lat: float, lon: float, view: View) -> None:
        """Add the camera, or move / turn it."""
        slot = self._slot.get(camera_id)
        if slot is None:
            if not self._free:
                self._grow()
            slot = self._free.pop()
            self._slot[camera_id] = slot
            self._ids[slot] = camera_id
        else:
            self._forget_range(float(self._range[slot]))
        x, y = self.projection.to_xy(lat, lon)
        self._x[slot], self._y[slot], self._lat[slot], self._lon[slot] = x, y, lat, lon
        self._heading[slot] = view.heading_deg % 360.0
        self._half_fov[slot] = view.fov_deg / 2
        self._range[slot] = view.range_m
        self._ranges[view.range_m] += 1
        self._max_range = max(self._max_range, view.range_m)
        cell = self._cell(x, y)
        before = self._cell_of.get(slot)
        if before != cell:
            if before is not None:
                self._cells[before].discard(slot)
                self._cell_arrays.pop(before, None)
            self._cells[cell].add(slot)
            self._cell_of[slot] = cell
            self._cell_arrays.pop(cell, None)
            i, j = cell
            e = self._extent or (i, j, i, j)
            self._extent = (min(e[0], i), min(e[1], j), max(e[2], i), max(e[3], j))

    def remove(self, camera_id: str) -> bool:
        slot = self._slot.pop(camera_id, None)
        if slot is None:
            return False
        self._forget_range(float(self._range[slot]))
        cell = self._cell_of.pop(slot)
        self._cells[cell].discard(slot)
        self._cell_arrays.pop(cell, None)
        self._ids[slot] = None
        self._free.append(slot)
        return True

    def _forget_range(self, range_m: float) -> None:
        self._ranges[range_m] -= 1
        if self._ranges[range_m] == 0:
            del self._ranges[range_m]
            if range_m >= self._max_range:
                self._max_range = max(self._ranges, default=0.0)

    def _grow(self) -> None:
        old = len(self._ids)
        for name in ("_x", "_y", "_lat", "_lon", "_heading", "_half_fov", "_range"):
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(old)]))
        self._ids.extend([None] * old)
        self._free.extend(range(2 * old - 1, old - 1, -1))

    # --- queries --------------------------------------------------------------------------

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        return math.floor(x / self.cell_m), math.floor(y / self.cell_m)

    def _slots_in(self, cells: Iterable[tuple[int, int]]) -> np.ndarray:
        parts = []
        for cell in cells:
            members = self._cells.get(cell)
            if not members:
                continue
            array = self._cell_arrays.get(cell)
            if array is None:
                array = self._cell_arrays[cell] = np.fromiter(members, dtype=np.int64)
            parts.append(array)
        if not parts:
            return np.empty(0, dtype=np.int64)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _block(self, x: float, y: float, radius: float) -> list[tuple[int, int]]:
        i0, j0 = self._cell(x - radius, y - radius)
        i1, j1 = self._cell(x + radius, y + radius)
        return [(i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]

    def covering(self, lat: float, lon: float) -> list[tuple[str, float]]:
        """The cameras that see the point, nearest first, with their distance in metres."""
        if not self._slot:
            return []
        x, y = self.projection.to_xy(lat, lon)
        slots = self._slots_in(self._block(x, y, self._max_range))
        if slots.size == 0:
            return []
        dx = x - self._x[slots]
        dy = y - self._y[slots]
        distance = np.hypot(dx, dy)
        seen = distance <= self._range[slots] + EPS_M
        bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
        off = np.abs((bearing - self._heading[slots] + 180.0) % 360.0 - 180.0)
        half = self._half_fov[slots]
        seen &= (half >= 180.0) | (distance <= EPS_M) | (off <= half + EPS_DEG)
        return self._ranked(slots[seen], distance[seen])

    def nearest(
        self, lat: float, lon: float, n: int, *, within_m: float | None = None
    ) -> list[tuple[str, float]]:
        """The `n` cameras nearest the point (within `within_m` when given), nearest first."""
        if not self._slot or n <= 0:
            return []
        x, y = self.projection.to_xy(lat, lon)
        ci, cj = self._cell(x, y)
        assert self._extent is not None
        i0, j0, i1, j1 = self._extent
        if not (i0 <= ci <= i1 and j0 <= cj <= j1):
            # outside every camera's cell (far away: the rings to search could number tens of
            # thousands): every camera at once, which is what the rings would reach anyway
            slots = np.fromiter(self._slot.values(), dtype=np.int64)
            distance = np.hypot(x - self._x[slots], y - self._y[slots])
            if within_m is not None:
                keep = distance <= within_m + EPS_M
                slots, distance = slots[keep], distance[keep]
            return self._ranked(slots, distance, limit=n)
        reach = max(ci - i0, i1 - ci, cj - j0, j1 - cj, 0)
        found_slots: list[np.ndarray] = []
        ring = 0
        while True:
            cells = (
                [(ci, cj)]
                if ring == 0
                else [
                    (i, j)
                    for i in range(ci - ring, ci + ring + 1)
                    for j in range(cj - ring, cj + ring + 1)
                    if max(abs(i - ci), abs(j - cj)) == ring
                ]
            )
            found_slots.append(self._slots_in(cells))
            slots = np.concatenate(found_slots)
            distance = np.hypot(x - self._x[slots], y - self._y[slots])
            # every camera outside the rings looked at so far is at least this far
            sure = ring * self.cell_m
            closed = np.count_nonzero(distance <= sure)
            if ring >= reach or closed >= n or (within_m is not None and sure >= within_m):
                break
            ring += 1
        if within_m is not None:
            keep = distance <= within_m + EPS_M
            slots, distance = slots[keep], distance[keep]
        return self._ranked(slots, distance, limit=n)

    def within(self, area: BaseGeometry) -> list[str]:
        """The cameras inside an area (a polygon in longitude/latitude; its boundary counts as
        inside), by id."""
        if not self._slot:
            return []
        min_lon, min_lat, max_lon, max_lat = area.bounds
        x0, y0 = self.projection.to_xy(min_lat, min_lon)
        x1, y1 = self.projection.to_xy(max_lat, max_lon)
        i0, j0 = self._cell(x0, y0)
        i1, j1 = self._cell(x1, y1)
        if (i1 - i0 + 1) * (j1 - j0 + 1) <= len(self._cells):
            cells = [(i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]
        else:
            cells = [c for c in self._cells if i0 <= c[0] <= i1 and j0 <= c[1] <= j1]
        slots = self._slots_in(cells)
        if slots.size == 0:
            return []
        inside = shapely.intersects_xy(area, self._lon[slots], self._lat[slots])
        return sorted(self._ids[s] or "" for s in slots[inside])

    def _ranked(
        self, slots: np.ndarray, distance: np.ndarray, limit: int | None = None
    ) -> list[tuple[str, float]]:
        """(id, distance) nearest first, ties by id; the first `limit` only."""
        if limit is not None and slots.size > limit:
            top = np.argpartition(distance, limit - 1)[:limit]
            cut = distance[top].max()
            keep = distance <= cut  # everything tied with the last one, for a stable choice
            slots, distance = slots[keep], distance[keep]
        ranked = sorted(
            ((self._ids[int(s)] or "", float(d)) for s, d in zip(slots, distance, strict=True)),
            key=lambda item: (item[1], item[0]),
        )
        return ranked[:limit] if limit is not None else ranked
