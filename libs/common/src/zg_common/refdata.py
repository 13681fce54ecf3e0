"""The versioned default data set: reading its files and loading a part once per version."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.messaging import refdata_load_table

log = logging.getLogger(__name__)


class RefData:
    """A folder written by the data-set generator: `manifest.json` plus JSON/GeoJSON files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            raise FileNotFoundError(
                f"no data set at {folder} (manifest.json missing); set ZG_REFDATA_DIR"
            )
        self.manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        self.version: str = self.manifest["version"]

    def read(self, name: str) -> Any:
        if name not in self.manifest["files"]:
            raise KeyError(f"{name} is not part of data set {self.version}")
        return json.loads((self.folder / name).read_text(encoding="utf-8"))


async def load_part_once(
    session: AsyncSession,
    *,
    schema: str,
    part: str,
    version: str,
    loader: Callable[[AsyncSession], Awaitable[None]],
) -> bool:
    """Run `loader` if this schema has not loaded `part` at `version` yet; True when it ran.

    A row lock on the part's marker keeps two replicas from loading it at once.
    """
    table = refdata_load_table(MetaData(schema=schema))
    await session.execute(pg_insert(table).values(part=part, version="").on_conflict_do_nothing())
    current = await session.scalar(
        select(table.c.version).where(table.c.part == part).with_for_update()
    )
    if current == version:
        return False
    await loader(session)
    await session.execute(table.update().where(table.c.part == part).values(version=version))
    log.info(
        "reference data loaded",
        extra={"part": part, "version": version, "previous": current or None},
    )
    return True
