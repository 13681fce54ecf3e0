"""FastAPI dependencies of intake."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.db import request_session
from zg_intake.storage import MediaStore
from zg_intake.territory import CategoryIndex, DistrictOutline

Session = Annotated[AsyncSession, Depends(request_session, scope="function")]


async def district(request: Request) -> DistrictOutline:
    outline: DistrictOutline = request.app.state.runtime.state["district"]
    return outline


District = Annotated[DistrictOutline, Depends(district)]


async def categories(request: Request) -> CategoryIndex:
    index: CategoryIndex = request.app.state.runtime.state["categories"]
    return index


Categories = Annotated[CategoryIndex, Depends(categories)]


async def media_store(request: Request) -> MediaStore:
    store: MediaStore = request.app.state.runtime.state["media_store"]
    return store


MediaStoreDep = Annotated[MediaStore, Depends(media_store)]
