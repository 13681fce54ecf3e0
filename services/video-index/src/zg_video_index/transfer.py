"""The registry in and out as CSV and GeoJSON: the same columns both ways (a file exported can
be imported again), rows numbered for the error report — CSV by the line in the file (the
header is line 1), GeoJSON by the feature's position from 1."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from zg_common import csvcells
from zg_video_index.models import Camera
from zg_video_index.registry import WRITABLE, RowError

COLUMNS = ("id", *WRITABLE)  # the registry's columns, in the API's order
REQUIRED = ("id", "kind", "name", "owner", "lat", "lon", "fov_deg", "range_m")


class Unreadable(Exception):
    """The file as a whole cannot be read (not the format, no header): nothing in it counts."""

    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def rows_of_csv(text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise Unreadable(RowError(1, "header", "empty_file", "the file is empty")) from None
    except csv.Error as exc:
        raise Unreadable(RowError(1, "header", "not_csv", str(exc))) from exc
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        message = (
            f"columns are {', '.join(COLUMNS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
        raise Unreadable(RowError(1, "header", "bad_header", message))
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # a blank line
            if len(cells) != len(header):
                rows.append((line, {"__cells__": len(cells)}))
                continue
            rows.append(
                (
                    line,
                    {
                        h: (csvcells.read(c.strip()) or None)
                        for h, c in zip(header, cells, strict=True)
                    },
                )
            )
    except csv.Error as exc:
        raise Unreadable(RowError(reader.line_num, "row", "not_csv", str(exc))) from exc
    return rows


def rows_of_geojson(text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(RowError(1, "document", "not_json", str(exc))) from exc
    return rows_of_features(document)


def rows_of_features(document: Any) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise Unreadable(
            RowError(1, "document", "not_feature_collection", "a GeoJSON FeatureCollection")
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    for n, feature in enumerate(document.get("features") or [], start=1):
        properties = (
            dict((feature or {}).get("properties") or {}) if isinstance(feature, dict) else {}
        )
        geometry = (feature or {}).get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            rows.append((n, {"__geometry__": True}))
            continue
        coordinates = geometry.get("coordinates") or []
        properties.pop("lat", None)
        properties.pop("lon", None)
        if len(coordinates) >= 2:
            properties.update(lon=coordinates[0], lat=coordinates[1])
        # what the registry adds on export is not the importer's to set
        for derived in ("grid_id", "status", "status_since", "last_heartbeat_at", "position_at"):
            properties.pop(derived, None)
        rows.append((n, properties))
    return rows


def shape_errors(rows: list[tuple[int, dict[str, Any]]]) -> list[RowError]:
    """Rows that are not even a camera's shape (the wrong number of CSV cells, a feature that
    is not a point)."""
    errors = []
    for line, raw in rows:
        if "__cells__" in raw:
            errors.append(
                RowError(
                    line,
                    "row",
                    "wrong_cell_count",
                    f"{raw['__cells__']} cells; the header has {len(COLUMNS)} at most",
                )
            )
        elif "__geometry__" in raw:
            errors.append(RowError(line, "geometry", "not_a_point", "a camera is a Point"))
    return errors


def to_csv(cameras: Iterable[Camera], *, with_streams: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in cameras:
        writer.writerow(
            [
                csvcells.cell(value)
                for value in (
                    c.id,
                    c.kind,
                    c.name,
                    c.owner,
                    c.lat,
                    c.lon,
                    c.height_m,
                    c.heading_deg,
                    c.fov_deg,
                    c.range_m,
                    c.stream_url if with_streams else None,
                )
            ]
        )
    return out.getvalue()


def to_geojson(cameras: Iterable[Camera], *, with_streams: bool) -> str:
    features = [
        {
            "type": "Feature",
            "id": c.id,
            "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
            "properties": {
                "id": c.id,
                "kind": c.kind,
                "name": c.name,
                "owner": c.owner,
                "height_m": c.height_m,
                "heading_deg": c.heading_deg,
                "fov_deg": c.fov_deg,
                "range_m": c.range_m,
                "stream_url": c.stream_url if with_streams else None,
                "grid_id": c.grid_id,
                "status": c.status,
            },
        }
        for c in cameras
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
