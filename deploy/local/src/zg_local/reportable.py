"""What a load generator reports (the benches, the fault tests): places on the data set's patrol
points and the minor categories a report may name without answering a question (one with a
required question would be refused, 422)."""

from __future__ import annotations

import json

from zg_local.config import REPO_ROOT

DATA = REPO_ROOT / "deploy" / "data" / "fangxing"


def places_and_categories() -> tuple[list[tuple[float, float]], list[str]]:
    """The patrol points as (lat, lon), and the categories that need no answers."""
    points = [
        (f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0])
        for f in json.loads((DATA / "patrol_points.geojson").read_text())["features"]
    ]
    categories = [
        m["code"]
        for c in json.loads((DATA / "categories.json").read_text())
        for m in c["children"]
        if not any(a["required"] for a in m["attributes"])
    ]
    return points, categories
