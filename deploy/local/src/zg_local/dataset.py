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

VERSION = "2026.11.7"
SEED = 20160401  # the month the 大综管 reform started
CENTER_LAT, CENTER_LON = 31.8000, 117.3000
COLS, ROWS = 7, 2  # 14 grids
WIDTH_M, HEIGHT_M = 3300.0, 1900.0
TOTAL_POINTS = 1149
TOTAL_ROUTES = 20
TOTAL_OFFICERS = 130
M_PER_DEG_LAT = 110_940.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTER_LAT))

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


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    """Local metres east/north of the centre to WGS84 lon/lat (6 decimals, ~0.1 m)."""
    return (round(CENTER_LON + x / M_PER_DEG_LON, 6), round(CENTER_LAT + y / M_PER_DEG_LAT, 6))


def lattice(rng: random.Random) -> list[list[tuple[float, float]]]:
    """Jittered (COLS+1)x(ROWS+1) vertices in metres; shared vertices keep the grids a tiling."""
    dx, dy = WIDTH_M / COLS, HEIGHT_M / ROWS
    pts = []
    for r in range(ROWS + 1):
        row = []
        for c in range(COLS + 1):
            x, y = -WIDTH_M / 2 + c * dx, -HEIGHT_M / 2 + r * dy
            x += rng.uniform(-0.12, 0.12) * dx
            y += rng.uniform(-0.12, 0.12) * dy
            row.append((x, y))
        pts.append(row)
    return pts


def feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def ring(coords_m: list[tuple[float, float]]) -> list[list[float]]:
    ll = [list(to_lonlat(x, y)) for x, y in coords_m]
    return [*ll, ll[0]]


def largest_remainder(weights: list[float], total: int) -> list[int]:
    s = sum(weights)
    raw = [w / s * total for w in weights]
    out = [int(v) for v in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - out[i], -i), reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def nearest_neighbour_order(
    points: list[tuple[str, float, float]],
) -> list[tuple[str, float, float]]:
    todo = sorted(points, key=lambda p: (p[1], p[2]))
    route = [todo.pop(0)]
    while todo:
        _, x, y = route[-1]
        i = min(range(len(todo)), key=lambda k: (todo[k][1] - x) ** 2 + (todo[k][2] - y) ** 2)
        route.append(todo.pop(i))
    return route


def generate() -> dict[str, Any]:
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


# 方兴's video, as the brief counts it: public security (天网), residential compounds, the
# officers' body cameras, the vehicles
CAMERA_COUNTS = {"public_security": 1187, "compound": 538, "body": 130, "vehicle": 3}
STREAMS = "rtsp://nvr.fangxing.invalid/live"  # a reserved domain: the demo has no video server
ROADSIDE = ("road", "intersection", "bus_stop", "school", "market", "government_office")


def cameras(
    v: list[list[tuple[float, float]]],
    cells: list[tuple[str, str, Polygon, int]],
    points: list[dict[str, Any]],
    officers: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The cameras in plausible places: public-security cameras on poles along the arterial
    roads (the grid boundaries, both directions, every 60 m) and at roadside points (more in the
    core area); compound cameras at compound gates (in and out) and in residential grids; a body
    camera per officer at their grid's base; three vehicles at the district centre. A generator
    of its own, so the other files stay as they were."""
    rng = random.Random(SEED + 7)
    out: list[dict[str, Any]] = []

    def add(kind: str, number: str, x: float, y: float, **props: Any) -> None:
        lon, lat = to_lonlat(x, y)
        out.append(
            feature(
                {"type": "Point", "coordinates": [lon, lat]},
                {"id": number, "kind": kind, **props, "stream_url": f"{STREAMS}/{number}"},
            )
        )

    # along the roads between the grids
    spots: list[tuple[float, float, float]] = []
    edges = [(v[r][c], v[r][c + 1]) for r in range(ROWS + 1) for c in range(COLS)]
    edges += [(v[r][c], v[r + 1][c]) for r in range(ROWS) for c in range(COLS + 1)]
    for (x0, y0), (x1, y1) in edges:
        length = math.dist((x0, y0), (x1, y1))
        heading = math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360
        for k in range(int(length // 60)):
            t = (k + 0.5) * 60 / length
            x, y = x0 + t * (x1 - x0) + rng.uniform(-4, 4), y0 + t * (y1 - y0) + rng.uniform(-4, 4)
            spots.append((x, y, heading if k % 2 == 0 else (heading + 180) % 360))
    roadside = [f for f in points if f["properties"]["object_type"] in ROADSIDE]
    rng.shuffle(roadside)
    roadside.sort(key=lambda f: f["properties"]["zone_type"] != "core")  # the core first
    wanted = CAMERA_COUNTS["public_security"]
    for f in roadside:
        if len(spots) >= wanted:
            break
        x, y = _metres(f)
        spots.append((x + rng.uniform(-8, 8), y + rng.uniform(-8, 8), rng.uniform(0, 360)))
    while len(spots) < wanted:  # more poles around the core area's points
        f = rng.choice(roadside)
        x, y = _metres(f)
        spots.append((x + rng.uniform(-40, 40), y + rng.uniform(-40, 40), rng.uniform(0, 360)))
    for n, (x, y, heading) in enumerate(spots[:wanted], start=1):
        road = rng.choice(cat.ROADS)
        add(
            "public_security",
            f"TW-{n:05d}",
            x,
            y,
            name=f"{road}{n}号杆",
            owner="合肥市公安局包河分局",
            height_m=round(rng.uniform(5.5, 8.0), 1),
            heading_deg=round(heading, 1) % 360,
            fov_deg=rng.choice([60, 75, 90]),
            range_m=rng.choice([100, 120, 150]),
        )

    gates = [f for f in points if f["properties"]["object_type"] == "compound_gate"]
    residential = [f for f in points if f["properties"]["zone_type"] == "residential"]
    number = 0
    for f in gates + [rng.choice(residential) for _ in range(CAMERA_COUNTS["compound"])]:
        for side in (0, 180):
            if number >= CAMERA_COUNTS["compound"]:
                break
            number += 1
            x, y = _metres(f)
            name = f["properties"]["name"]
            add(
                "compound",
                f"XQ-{number:05d}",
                x + rng.uniform(-6, 6),
                y + rng.uniform(-6, 6),
                name=f"{name}{'出' if side else '入'}口",
                owner=f"{name[:4]}小区物业",
                height_m=round(rng.uniform(2.8, 3.5), 1),
                heading_deg=round((rng.uniform(0, 360) + side) % 360, 1) % 360,
                fov_deg=90,
                range_m=rng.choice([30, 40, 50]),
            )

    base = {gid: poly.centroid for gid, _, poly, _ in cells}
    for officer in officers[: CAMERA_COUNTS["body"]]:
        centre = base[officer["grid_id"]]
        add(
            "body",
            f"JL-{officer['badge']}",
            centre.x,
            centre.y,
            name=f"{officer['name']}执法记录仪 ({officer['badge']})",
            owner="方兴综合执法队",
            height_m=None,
            heading_deg=None,
            fov_deg=360,
            range_m=30,
        )
    for n in range(1, CAMERA_COUNTS["vehicle"] + 1):
        add(
            "vehicle",
            f"CZ-{n:02d}",
            rng.uniform(-50, 50),
            rng.uniform(-50, 50),
            name=f"执法车{n}号车载",
            owner="方兴综合执法队",
            height_m=1.6,
            heading_deg=None,
            fov_deg=360,
            range_m=50,
        )
    return out


def _metres(point: dict[str, Any]) -> tuple[float, float]:
    lon, lat = point["geometry"]["coordinates"]
    return (lon - CENTER_LON) * M_PER_DEG_LON, (lat - CENTER_LAT) * M_PER_DEG_LAT


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
