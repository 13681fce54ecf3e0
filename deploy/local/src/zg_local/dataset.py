"""Deterministic generator of the default data set: a Fangxing-shaped district in Baohe, Hefei.

`python -m zg_local dataset [--out DIR]` writes versioned JSON/GeoJSON files; the same seed and
version always give byte-identical files (a test checks the committed copy against a fresh run).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
from pathlib import Path
from typing import Any

from shapely.geometry import Point, Polygon

from zg_local import catalogue as cat
from zg_local.dataset_access import compounds
from zg_local.dataset_cameras import cameras
from zg_local.dataset_district import district_figures
from zg_local.dataset_lights import lights
from zg_local.dataset_places import (
    COLS,
    ROWS,
    SEED,
    feature,
    largest_remainder,
    lattice,
    nearest_neighbour_order,
    ring,
    to_lonlat,
)

VERSION = "2026.12.7"
TOTAL_POINTS = 1149
TOTAL_ROUTES = 20
TOTAL_OFFICERS = 130

# zone type of each cell (col, row); row 1 is the north row. West: the lake park (scenic);
# centre: the provincial government seat (core); east: land not yet built on (vacant).
ZONES = {
    (0, 0): "scenic",
    (0, 1): "scenic",
    (1, 0): "scenic",
    (3, 0): "core",
    (3, 1): "core",
    (4, 1): "core",
    (6, 0): "vacant",
    (6, 1): "vacant",
}
SHIFTS = [
    ("day", "08:00", "16:00", 0.45),
    ("evening", "16:00", "24:00", 0.35),
    ("night", "00:00", "08:00", 0.20),
]


def generate() -> dict[str, Any]:
    files = _places_and_catalogue()
    files["compounds.json"] = compounds(files)
    files["lights.json"] = lights(files)
    files["district_figures.json"] = district_figures(files)
    return files


def _places_and_catalogue() -> dict[str, Any]:
    rng = random.Random(SEED)
    v = lattice(rng)
    grids, cells = [], []
    seq = 0
    for r in reversed(range(ROWS)):  # numbered north to south, west to east (CJ/T 213 practice)
        for c in range(COLS):
            seq += 1
            quad = [v[r][c], v[r][c + 1], v[r + 1][c + 1], v[r + 1][c]]  # counter-clockwise
            zone = ZONES.get((c, r), "residential")
            gid = f"G{seq:02d}"
            poly = Polygon(quad)
            cells.append((gid, zone, poly, r))
            grids.append(
                feature(
                    {"type": "Polygon", "coordinates": [ring(quad)]},
                    {
                        "id": gid,
                        "code": f"340111012001{seq:03d}",
                        "name": f"方兴第{seq}网格",
                        "name_en": f"Fangxing grid {seq}",
                        "zone_type": zone,
                        "section": "north" if r == 1 else "south",
                        "area_m2": round(poly.area),
                    },
                )
            )
    # counter-clockwise: south edge west to east, east edge, north edge east to west, west edge
    outline = (
        [v[0][c] for c in range(COLS + 1)]
        + [v[r][COLS] for r in range(1, ROWS)]
        + [v[ROWS][c] for c in reversed(range(COLS + 1))]
        + [v[r][0] for r in reversed(range(1, ROWS))]
    )
    district = {
        "type": "FeatureCollection",
        "features": [
            feature(
                {"type": "Polygon", "coordinates": [ring(outline)]},
                {
                    "id": "fangxing",
                    "name": "方兴社区",
                    "name_en": "Fangxing community",
                    "district": "包河区",
                    "city": "合肥市",
                    "admin_code": "340111",
                    "area_m2": round(Polygon(outline).area),
                },
            )
        ],
    }

    zone_weight = {z[0]: z[3] for z in cat.ZONE_TYPES}
    counts = largest_remainder([zone_weight[z] * p.area for _, z, p, _ in cells], TOTAL_POINTS)
    points, by_grid = [], {}
    pid = 0
    for (gid, zone, poly, _), n in zip(cells, counts, strict=True):
        minx, miny, maxx, maxy = poly.bounds
        kinds = list(cat.OBJECT_TYPES)
        weights = [cat.OBJECT_TYPES[k][4][zone] for k in kinds]
        placed: list[tuple[str, float, float]] = []
        while len(placed) < n:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if not poly.buffer(-15).contains(Point(x, y)):
                continue
            if any((x - px) ** 2 + (y - py) ** 2 < 25.0**2 for _, px, py in placed):
                continue
            pid += 1
            kind = rng.choices(kinds, weights)[0]
            zh, _en, focus, standard, _ = cat.OBJECT_TYPES[kind]
            road = rng.choice(cat.ROADS)
            point_id = f"P{pid:04d}"
            placed.append((point_id, x, y))
            lon, lat = to_lonlat(x, y)
            points.append(
                feature(
                    {"type": "Point", "coordinates": [lon, lat]},
                    {
                        "id": point_id,
                        "code": f"FX-{gid}-{pid:04d}",
                        "grid_id": gid,
                        "zone_type": zone,
                        "object_type": kind,
                        "name": f"{road}{zh}{len(placed)}",
                        "address": f"合肥市包河区{road}{rng.randint(1, 999)}号",
                        "work_focus": focus,
                        "standard": standard,
                    },
                )
            )
        by_grid[gid] = placed

    # 20 routes: every grid has one, the six busiest grids a second (split west/east).
    busiest = sorted(by_grid, key=lambda g: (-len(by_grid[g]), g))[: TOTAL_ROUTES - len(by_grid)]
    routes, rno = [], 0
    for gid, placed in by_grid.items():
        parts = [placed]
        if gid in busiest:
            ordered = sorted(placed, key=lambda p: p[1])
            half = len(ordered) // 2
            parts = [ordered[:half], ordered[half:]]
        for part in parts:
            rno += 1
            path = nearest_neighbour_order(part)
            length = sum(math.dist(a[1:], b[1:]) for a, b in itertools.pairwise(path))
            routes.append(
                feature(
                    {
                        "type": "LineString",
                        "coordinates": [list(to_lonlat(x, y)) for _, x, y in path],
                    },
                    {
                        "id": f"R{rno:02d}",
                        "name": f"方兴巡查线路{rno}",
                        "name_en": f"Patrol route {rno}",
                        "grid_id": gid,
                        "point_ids": [p[0] for p in path],
                        "length_m": round(length),
                    },
                )
            )

    officer_grids = largest_remainder([len(by_grid[g]) + 40 for g in by_grid], TOTAL_OFFICERS)
    officers, n = [], 0
    shift_names = [s[0] for s in SHIFTS]
    for gid, k in zip(by_grid, officer_grids, strict=True):
        shift_counts = largest_remainder([s[3] for s in SHIFTS], k)
        for shift, count in zip(shift_names, shift_counts, strict=True):
            for _ in range(count):
                n += 1
                officers.append(
                    {
                        "badge": f"ZG{n:03d}",
                        "name": rng.choice(cat.SURNAMES)
                        + "".join(rng.sample(cat.GIVEN, rng.choice([1, 2]))),
                        "grid_id": gid,
                        "shift": shift,
                        "certificate": f"皖辅执-综合管理-2017{n:04d}",
                    }
                )

    categories: list[dict[str, Any]] = []
    for kind, prefix, majors in (("component", "C", cat.COMPONENTS), ("event", "E", cat.EVENTS)):
        for mcode, mzh, men, minors in majors:
            children = [
                {
                    "code": f"{prefix}{mcode}{code}",
                    "name": zh,
                    "name_en": en,
                    "level": "minor",
                    "duplicate_radius_m": radius,
                    "duplicate_window_h": window,
                    "attributes": [
                        {"order": i, **attribute}
                        for i, attribute in enumerate(
                            cat.ATTRIBUTES.get(f"{prefix}{mcode}{code}", []), start=1
                        )
                    ],
                }
                for code, zh, en, radius, window in minors
            ]
            categories.append(
                {
                    "code": f"{prefix}{mcode}",
                    "kind": kind,
                    "name": mzh,
                    "name_en": men,
                    "level": "major",
                    "children": children,
                }
            )

    departments = [
        {
            "id": d,
            "name": zh,
            "name_en": en,
            "mode": mode,
            "calendar": calendar,
            "grids": [
                g["properties"]["id"]
                for g in grids
                if not d.startswith("sanitation-") or g["properties"]["section"] == d.split("-")[1]
            ],
            "contacts": _contacts(number, d, calendar),
        }
        for number, (d, zh, en, mode, calendar) in enumerate(cat.DEPARTMENTS, start=1)
    ]

    rules: list[dict[str, Any]] = []
    rno = 0
    for major in categories:
        for minor in major["children"]:
            owner = cat.MINOR_OWNERS.get(minor["code"]) or cat.MAJOR_OWNERS.get(major["code"])
            if owner is None:
                continue
            if owner == cat.SANITATION:
                for g in grids:
                    rno += 1
                    rules.append(
                        {
                            "id": f"RR{rno:04d}",
                            "category": minor["code"],
                            "grid_id": g["properties"]["id"],
                            "department_id": f"sanitation-{g['properties']['section']}",
                        }
                    )
            else:
                rno += 1
                rules.append(
                    {
                        "id": f"RR{rno:04d}",
                        "category": minor["code"],
                        "grid_id": None,
                        "department_id": owner,
                    }
                )

    return {
        "district.geojson": district,
        "zone_types.json": [
            {"id": z, "name": zh, "name_en": en} for z, zh, en, _ in cat.ZONE_TYPES
        ],
        "grids.geojson": {"type": "FeatureCollection", "features": grids},
        "patrol_points.geojson": {"type": "FeatureCollection", "features": points},
        "cameras.geojson": {
            "type": "FeatureCollection",
            "features": cameras(v, cells, points, officers),
        },
        "routes.geojson": {"type": "FeatureCollection", "features": routes},
        "officers.json": officers,
        "categories.json": categories,
        "object_types.json": [
            {"id": k, "name": v[0], "name_en": v[1], "work_focus": v[2], "standard": v[3]}
            for k, v in cat.OBJECT_TYPES.items()
        ],
        "departments.json": departments,
        "calendars.json": {
            "timezone": "+08:00",
            "calendars": [{"id": k, **v} for k, v in cat.CALENDARS.items()],
            "public_holidays": [
                {
                    "year": year,
                    "source": spec["source"],
                    "off": [{"from": a, "to": b} for a, b in spec["off"]],
                    "work": spec["work"],
                }
                for year, spec in cat.PUBLIC_HOLIDAYS.items()
            ],
        },
        "time_limits.json": {
            "stage_minutes": cat.STAGE_LIMITS,
            "disposal": [
                {
                    "category": minor["code"],
                    **{
                        urgency: {"value": value, "unit": unit}
                        for urgency, (value, unit) in zip(
                            ("normal", "urgent"),
                            cat.DISPOSAL_BY_MINOR.get(
                                minor["code"], cat.DISPOSAL_BY_MAJOR[major["code"]]
                            ),
                            strict=True,
                        )
                    },
                }
                for major in categories
                for minor in major["children"]
            ],
        },
        "routing_rules.json": {"fallback_department_id": cat.FALLBACK_DEPARTMENT, "rules": rules},
        "patrol_requirements.json": {
            "timezone": "+08:00",
            "shifts": [{"id": s, "start": a, "end": b} for s, a, b in cat.SHIFTS],
            "zone_types": {
                zone: [{"from": a, "to": b, "every_min": m} for a, b, m in spans]
                for zone, spans in cat.ZONE_PATROL.items()
            },
            "object_types": {
                kind: [{"from": a, "to": b, "every_min": m} for a, b, m in spans]
                for kind, spans in cat.OBJECT_PATROL.items()
            },
            "service_minutes": cat.SERVICE_MINUTES,
            "walking": cat.WALKING,
            "checkin": cat.CHECKIN,
        },
    }


def dump(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode()


def write(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    files = {name: dump(obj) for name, obj in generate().items()}
    for name, data in files.items():
        (out / name).write_bytes(data)
    manifest = {
        "dataset": "fangxing",
        "version": VERSION,
        "seed": SEED,
        "description": "Default data set: a Fangxing-shaped district (Baohe district, Hefei)",
        "crs": "EPSG:4326 (WGS84, lon/lat)",
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    (out / "manifest.json").write_bytes(dump(manifest))
    return out


def _contacts(number: int, department_id: str, calendar: str) -> list[dict[str, str]]:
    """Made-up contacts: a duty line (24x7 units answer it around the clock), a liaison for
    the platform's cases, the person in charge; e-mail under the reserved .example domain."""
    mail = f"{department_id}@fangxing.example"
    duty = "值班室 duty desk" if calendar == "24x7" else "办公室 office"
    return [
        {"role": "duty", "name": duty, "phone": f"0551-6300 {number:02d}10", "email": mail},
        {
            "role": "liaison",
            "name": "平台联络员 platform liaison",
            "phone": f"0551-6300 {number:02d}20",
        },
        {"role": "head", "name": "负责人 person in charge", "phone": f"0551-6300 {number:02d}30"},
    ]
