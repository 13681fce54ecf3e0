"""Pure logic: grid lookup, district check, gateway route table."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import shape

from tests.conftest import REPO
from zg_common import geo
from zg_gateway.routes import ROUTES, owner_of
from zg_intake.territory import DistrictOutline
from zg_routing.models import Grid
from zg_routing.territory import GridIndex

DATA = REPO / "deploy" / "data" / "fangxing"


@pytest.fixture(scope="module")
def grids() -> GridIndex:
    features = json.loads((DATA / "grids.geojson").read_text())["features"]
    return GridIndex(
        [
            Grid(
                id=f["properties"]["id"],
                code="",
                name="",
                zone_type=f["properties"]["zone_type"],
                geometry=f["geometry"],
            )
            for f in features
        ]
    )


def test_every_grid_locates_its_own_interior(grids: GridIndex) -> None:
    for ref, geometry in zip(grids.index.values, grids.index.shapes, strict=True):
        p = geometry.representative_point()
        assert grids.locate(p.y, p.x).id == ref.id


def test_shared_edges_resolve_deterministically(grids: GridIndex) -> None:
    a, b = grids.index.shapes[0], grids.index.shapes[1]
    edge = a.intersection(b)
    mid = edge.interpolate(0.5, normalized=True)
    assert grids.locate(mid.y, mid.x).id == min(grids.index.values[0].id, grids.index.values[1].id)


def test_a_point_outside_goes_to_the_nearest_grid(grids: GridIndex) -> None:
    assert grids.locate(31.75, 117.20).id == "G08"  # south-west of the district


def test_district_outline() -> None:
    feature = json.loads((DATA / "district.geojson").read_text())["features"][0]
    outline = DistrictOutline.from_geojson(feature["geometry"])
    corner = shape(feature["geometry"]).exterior.coords[0]
    assert outline.contains(31.80, 117.30)
    assert outline.contains(corner[1], corner[0]), "the boundary belongs to the district"
    assert not outline.contains(31.70, 117.30)
    assert not outline.contains(0, 0)


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/cases", "intake"),
        ("/api/v1/cases/123", "intake"),
        ("/api/v1/casesx", None),
        ("/api/v1/grids/G01", "patrol"),
        ("/api/v1/scores/departments", "scoring"),
        ("/api/v2/cases", None),
    ],
)
def test_gateway_routes(path: str, service: str | None) -> None:
    assert owner_of(path) == service


def test_route_table_names_known_services() -> None:
    assert set(ROUTES.values()) <= {
        "intake",
        "routing",
        "patrol",
        "scoring",
        "video-index",
        "access",
        "lighting",
    }


def test_every_service_route_is_reachable_through_the_gateway() -> None:
    """A route the gateway's table does not lead to exists only for direct callers."""
    from collections.abc import Callable

    from fastapi import FastAPI

    from zg_common.authz import OPEN_PATHS, api_routes
    from zg_intake.main import create_app as intake_app
    from zg_patrol.main import create_app as patrol_app
    from zg_routing.main import create_app as routing_app
    from zg_scoring.main import create_app as scoring_app
    from zg_video_index.main import create_app as video_index_app

    apps: dict[str, Callable[[], FastAPI]] = {
        "intake": intake_app,
        "routing": routing_app,
        "patrol": patrol_app,
        "scoring": scoring_app,
        "video-index": video_index_app,
    }
    checked = 0
    for service, create in apps.items():
        for path, _route in api_routes(create().routes):
            if path not in OPEN_PATHS:
                assert owner_of(path) == service, f"{path} of {service}"
                checked += 1
    assert checked >= 14


# Published test vectors of the GCJ-02 forward formula (in two independent implementations).
@pytest.mark.parametrize(
    ("wgs", "gcj"),
    [
        ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
        ((39.891082, 116.396135), (39.89248436758296, 116.40237600938156)),
    ],
)
def test_gcj02_matches_published_values_and_inverts(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    assert geo.wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)
    back = geo.gcj02_to_wgs84(*gcj)
    assert geo.haversine_m(*back, *wgs) < 0.01  # under a centimetre


def test_gcj02_offsets_fangxing_by_hundreds_of_metres_and_leaves_abroad_alone() -> None:
    shifted = geo.wgs84_to_gcj02(31.80, 117.30)
    assert 100 < geo.haversine_m(31.80, 117.30, *shifted) < 700
    assert geo.to_wgs84(48.8566, 2.3522, "GCJ02") == (48.8566, 2.3522)  # Paris
    with pytest.raises(ValueError, match="BD09"):
        geo.to_wgs84(31.8, 117.3, "BD09")


def test_nearest_point_in_metres() -> None:
    points = geo.PointIndex([(31.8000, 117.3000, "a"), (31.8010, 117.3000, "b")])
    found = points.nearest(31.8009, 117.3001, within_m=50)
    assert found is not None and found[0] == "b"
    assert found[1] == pytest.approx(geo.haversine_m(31.8009, 117.3001, 31.8010, 117.3000))
    assert points.nearest(31.8100, 117.3000, within_m=50) is None
    # east-west metres are shorter than north-south at this latitude: the projection knows
    points = geo.PointIndex([(31.8000, 117.3008, "east"), (31.8007, 117.3000, "north")])
    found = points.nearest(31.8000, 117.3000, within_m=500)
    assert found is not None and found[0] == "east"  # 76 m east vs 78 m north
