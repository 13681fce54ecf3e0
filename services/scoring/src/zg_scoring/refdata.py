"""Scoring's part of the default data set: patrol's grids (their areas) and officers, for what
patrol's events have not changed (the territory copy's one mechanism, `zg_common.territory`);
and the labels the reports print (the major categories' and the district's names)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.db import unit_of_work
from zg_common.refdata import RefData, load_part_once
from zg_scoring import patrol_facts
from zg_scoring.district import Figures
from zg_scoring.models import SCHEMA
from zg_scoring.runtime import ScoringRuntime

PART = "territory"


async def load(runtime: ScoringRuntime) -> None:
    data = RefData(runtime.settings.refdata_dir)

    async def territory(session: AsyncSession) -> None:
        await patrol_facts.load_data_set(session, data)

    async with unit_of_work(runtime.sessions) as session:
        await load_part_once(
            session, schema=SCHEMA, part=PART, version=data.version, loader=territory
        )
    runtime.state.categories = {
        c["code"]: (c["name"], c["name_en"]) for c in data.read("categories.json")
    }
    district = data.read("district.geojson")
    properties = (district.get("features") or [district])[0]["properties"]
    runtime.state.district = (properties["name"], properties["name_en"])
    runtime.state.figures = Figures.of(data.read("district_figures.json"))
