"""The gateway's background work beside the requests: publishing its outbox, and forgetting
rows that have served their time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from zg_common.app import OUTBOX_RETENTION_DAYS, start_relay
from zg_common.contracts.gateway import CONTRACTS as GATEWAY_CONTRACTS
from zg_common.kafka import connect_producer
from zg_gateway import logins, revocations
from zg_gateway.config import GatewaySettings
from zg_gateway.models import outbox

log = logging.getLogger(__name__)


async def relay_events(engine: AsyncEngine, settings: GatewaySettings) -> None:
    """Publish the gateway's outbox (credentials revoked: `zg_common.contracts.gateway`) once
    the broker answers; the gateway serves without it meanwhile. Published rows are purged
    after a week, as the services' are."""
    topics = {c.topic for c in GATEWAY_CONTRACTS}
    producer = await connect_producer(settings, topics, client_id="gateway")
    relay, task = start_relay(
        engine, producer, outbox, name="gateway", settings=settings, topics=topics
    )
    try:
        while not task.done():
            await asyncio.wait([task], timeout=3600)
            with contextlib.suppress(Exception):
                await relay.purge_published(older_than_days=OUTBOX_RETENTION_DAYS)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(producer.stop(), 5.0)


async def purge_hourly(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Background loop: forget expired revocations and old login failures."""
    while True:
        try:
            async with sessions.begin() as session:
                now = datetime.now(UTC)
                await revocations.purge(session, now=now)
                await logins.purge(session, now=now)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("could not purge the gateway's expired rows", exc_info=True)
        await asyncio.sleep(3600)
