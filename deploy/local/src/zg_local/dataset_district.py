"""The default data set's district figures (part of `dataset`): what the managers' indicators
divide by — the residents of each grid (summing to the seed's 78,000: the compounds'
households hold most of them, the core's flats and the scenic area's few houses the rest),
the service centre's 75 staff and the 130 officers, the district's area — and the four
preventable crime types the police report monthly."""

from __future__ import annotations

from collections import Counter
from typing import Any

from zg_local.dataset_places import largest_remainder

RESIDENTS = 78_000  # 辖区人口7.8万余人
CENTRE_STAFF = 75  # 整个社区服务中心只有75名工作人员
OFFICERS = 130  # 130名综管人员
# people per household in the compounds; what lives outside them, by zone type
PER_HOUSEHOLD = 1.9
OUTSIDE = {"core": 2_400.0, "scenic": 350.0, "vacant": 40.0, "residential": 600.0}
INCIDENT_TYPES = (
    ("burglary", "入室盗窃", "Burglary"),
    ("motor_vehicle_theft", "盗窃机动车", "Theft of motor vehicles"),
    ("bicycle_theft", "盗窃电动车、自行车", "Theft of e-bikes and bicycles"),
    ("robbery_snatching", "抢劫、抢夺", "Robbery and snatching"),
)


def district_figures(files: dict[str, Any]) -> dict[str, Any]:
    grids = [g["properties"] for g in files["grids.geojson"]["features"]]
    households: Counter[str] = Counter()
    for compound in files["compounds.json"]:
        households[compound["grid_id"]] += sum(
            b["units"] * b["floors"] * b["per_floor"] for b in compound["buildings"]
        )
    weights = [households[g["id"]] * PER_HOUSEHOLD + OUTSIDE[g["zone_type"]] for g in grids]
    residents = largest_remainder(weights, RESIDENTS)
    area_m2 = sum(g["area_m2"] for g in grids)
    return {
        "residents": RESIDENTS,
        "residents_by_grid": {g["id"]: n for g, n in zip(grids, residents, strict=True)},
        "centre_staff": CENTRE_STAFF,
        "officers": OFFICERS,
        "area_km2": round(area_m2 / 1_000_000, 3),
        # the four preventable types (四类可防性案件) the police report per grid and month
        "incident_types": [
            {"id": key, "name": zh, "name_en": en} for key, zh, en in INCIDENT_TYPES
        ],
    }
