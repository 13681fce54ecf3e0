"""FastAPI dependencies of intake."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.db import request_session
from zg_intake.storage import MediaStore
from zg_intake.territory import Reference

Session = Annotated[AsyncSession, Depends(request_session, scope="function")]


async def reference(request: Request) -> Reference:
    loaded: Reference = request.app.state.runtime.state["reference"]
    return loaded


ReferenceDep = Annotated[Reference, Depends(reference)]


async def media_store(request: Request) -> MediaStore:
    store: MediaStore = request.app.state.runtime.state["media_store"]
    return store


MediaStoreDep = Annotated[MediaStore, Depends(media_store)]
