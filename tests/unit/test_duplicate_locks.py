"""The locks of a report's duplicate check (`duplicates.lock_names`): two reports that could
be duplicates of each other always share one; reports far apart share none."""

from __future__ import annotations

import math
import random

from zg_common.geo import haversine_m
from zg_intake.duplicates import METRES_PER_DEGREE, lock_names
from zg_intake.territory import CategoryRef

POTHOLE = CategoryRef(code="C0101", kind="component", duplicate_radius_m=30, duplicate_window_h=72)


def offset(lat: float, lon: float, metres: float, bearing: float) -> tuple[float, float]:
    dlat = metres * math.cos(bearing) / METRES_PER_DEGREE
    dlon = metres * math.sin(bearing) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def test_reports_within_the_radius_always_share_a_lock() -> None:
    rng = random.Random(16)
    for _ in range(20_000):
        lat, lon = 31.7 + rng.random() * 0.2, 117.2 + rng.random() * 0.2
        other = offset(lat, lon, rng.random() * 30, rng.random() * 2 * math.pi)
        if haversine_m(lat, lon, *other) > 30:
            continue
        a, b = set(lock_names(POTHOLE, lat, lon)), set(lock_names(POTHOLE, *other))
        assert a & b, (lat, lon, other)


def test_reports_far_apart_share_none_and_the_names_are_sorted() -> None:
    here = lock_names(POTHOLE, 31.80, 117.28)
    assert here == sorted(here) and 1 <= len(here) <= 6
    assert not set(here) & set(lock_names(POTHOLE, *offset(31.80, 117.28, 500, 1.0)))
    # another category at the same place has locks of its own
    garbage = CategoryRef(code="E0104", kind="event", duplicate_radius_m=30, duplicate_window_h=1)
    assert not set(here) & set(lock_names(garbage, 31.80, 117.28))
