"""Loads intake's part of the default data set: the category tree, the district outline, and
the start of its copy of patrol's territory (patrol's events keep it current)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.db import unit_of_work
from zg_common.pointcodes import Keyring
from zg_common.refdata import RefData, load_part_once
from zg_common.territory import CopyFollower
from zg_intake import repository, territory_copy
from zg_intake.attributes import AttributeDef
from zg_intake.models import SCHEMA, Category, District, Grid, PatrolPoint
from zg_intake.runtime import IntakeRuntime
from zg_intake.territory import (
    CategoryIndex,
    CategoryRef,
    DistrictOutline,
    Reference,
)


async def load(runtime: IntakeRuntime) -> None:
    data = RefData(runtime.settings.refdata_dir)

    async def load_categories(session: AsyncSession) -> None:
        # Categories are only added or renamed between versions; cases keep their codes.
        for major in data.read("categories.json"):
            await session.merge(
                Category(
                    code=major["code"],
                    parent_code=None,
                    kind=major["kind"],
                    level="major",
                    name=major["name"],
                    name_en=major["name_en"],
                )
            )
            await session.flush()
            for minor in major["children"]:
                await session.merge(
                    Category(
                        code=minor["code"],
                        parent_code=major["code"],
                        kind=major["kind"],
                        level="minor",
                        name=minor["name"],
                        name_en=minor["name_en"],
                        duplicate_radius_m=minor["duplicate_radius_m"],
                        duplicate_window_h=minor["duplicate_window_h"],
                        attributes=minor.get("attributes", []),
                    )
                )

    async def load_district(session: AsyncSession) -> None:
        await session.execute(delete(District))
        feature = data.read("district.geojson")["features"][0]
        session.add(
            District(
                id=feature["properties"]["id"],
                name=feature["properties"]["name"],
                geometry=feature["geometry"],
            )
        )

    async def load_territory(session: AsyncSession) -> None:
        await territory_copy.load_data_set(session, data)

    async with unit_of_work(runtime.sessions) as session:
        await load_part_once(
            session, schema=SCHEMA, part="categories", version=data.version, loader=load_categories
        )
        await load_part_once(
            session, schema=SCHEMA, part="district", version=data.version, loader=load_district
        )
        await load_part_once(
            session, schema=SCHEMA, part="territory", version=data.version, loader=load_territory
        )
        district = await repository.get_district(session)
        categories = await repository.list_categories(session)
        territory = await territory_copy.build(session)
    assert district is not None
    majors = {c.code: c.name for c in categories if c.level == "major"}
    runtime.state.territory_copy = CopyFollower(
        runtime.sessions, (Grid, PatrolPoint), lambda s: territory_copy.rebuild(s, territory)
    )
    runtime.state.reference = Reference(
        district=DistrictOutline.from_geojson(district.geometry),
        categories=CategoryIndex(
            {
                c.code: CategoryRef(
                    c.code,
                    c.kind,
                    c.duplicate_radius_m,
                    c.duplicate_window_h,
                    name=c.name,
                    name_en=c.name_en,
                    major_name=majors.get(c.parent_code or "", ""),
                    attributes=tuple(AttributeDef.from_data(a) for a in c.attributes),
                )
                for c in categories
                if c.level == "minor"
            }
        ),
        territory=territory,
        point_codes=Keyring(runtime.settings.qr_public_keys),
    )
