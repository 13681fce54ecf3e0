"""The hand-written parts of the default data set, read from `catalogue.yaml` (data, not code):
categories, departments and their owners, zone and object types, names, working calendars and
time limits, patrol requirements. `zg_local.dataset` turns them into deploy/data/fangxing."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

_DATA: dict[str, Any] = yaml.safe_load(
    resources.files("zg_local").joinpath("catalogue.yaml").read_text(encoding="utf-8")
)


def _classes(name: str) -> list[tuple[str, str, str, list[list[Any]]]]:
    """Major classes as (code, zh, en, [minor as [code, zh, en, radius m, window h]])."""
    return [(c["code"], c["name"], c["name_en"], c["minors"]) for c in _DATA[name]]


COMPONENTS = _classes("COMPONENTS")
EVENTS = _classes("EVENTS")
DEPARTMENTS: list[list[str]] = _DATA["DEPARTMENTS"]  # id, zh, en, management mode, calendar
FALLBACK_DEPARTMENT: str = _DATA["FALLBACK_DEPARTMENT"]
SANITATION: str = _DATA["SANITATION"]  # placeholder resolved per grid: north or south section
MAJOR_OWNERS: dict[str, str] = _DATA["MAJOR_OWNERS"]
MINOR_OWNERS: dict[str, str] = _DATA["MINOR_OWNERS"]
ZONE_TYPES: list[list[Any]] = _DATA["ZONE_TYPES"]  # id, zh, en, weight
# object type -> (zh, en, work focus, management standard, weight per zone type)
OBJECT_TYPES: dict[str, tuple[str, str, str, str, dict[str, float]]] = {
    k: (v["name"], v["name_en"], v["work_focus"], v["standard"], v["weights"])
    for k, v in _DATA["OBJECT_TYPES"].items()
}
ROADS: list[str] = _DATA["ROADS"]
SURNAMES: str = _DATA["SURNAMES"]
GIVEN: str = _DATA["GIVEN"]
ATTRIBUTES: dict[str, list[dict[str, Any]]] = _DATA["ATTRIBUTES"]
CALENDARS: dict[str, dict[str, Any]] = _DATA["CALENDARS"]
PUBLIC_HOLIDAYS: dict[str, dict[str, Any]] = _DATA["PUBLIC_HOLIDAYS"]
DISPOSAL_BY_MAJOR: dict[str, list[list[Any]]] = _DATA["DISPOSAL_BY_MAJOR"]
DISPOSAL_BY_MINOR: dict[str, list[list[Any]]] = _DATA["DISPOSAL_BY_MINOR"]
STAGE_LIMITS: dict[str, Any] = _DATA["STAGE_LIMITS"]
SHIFTS: list[list[str]] = _DATA["SHIFTS"]
ZONE_PATROL: dict[str, Any] = _DATA["ZONE_PATROL"]
OBJECT_PATROL: dict[str, Any] = _DATA["OBJECT_PATROL"]
SERVICE_MINUTES: dict[str, int] = _DATA["SERVICE_MINUTES"]
WALKING: dict[str, float] = _DATA["WALKING"]
CHECKIN: dict[str, int] = _DATA["CHECKIN"]
