"""Async engine, session factory and the unit of work (commit or roll back, in one place)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from zg_common.settings import ServiceSettings


def to_async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as tools print them) and use the asyncpg driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def to_asyncpg_dsn(url: str) -> str:
    """The same URL in the form asyncpg.connect() takes."""
    return to_async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def create_engine(settings: ServiceSettings, *, application_name: str) -> AsyncEngine:
    return create_async_engine(
        to_async_url(settings.database_url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        # asyncpg reports a dropped connection on use and the pool replaces it; a pre-ping
        # would cost one more round trip on every checkout.
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": application_name}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: services only add and flush; this commits, or rolls back on any error."""
    async with sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency; use with `Depends(request_session, scope="function")` so the commit
    happens before the response is sent: a 201 is never answered for an uncommitted write."""
    async with unit_of_work(request.app.state.runtime.sessions) as session:
        yield session
