"""Child process for the crash test: publish one outbox batch, then die before marking it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Sequence

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from zg_common.kafka import create_producer
from zg_common.outbox import Outbox, OutboxRelay


async def main(database_url: str, schema: str, bootstrap: str) -> None:
    engine = create_async_engine(database_url)
    producer = create_producer(bootstrap, client_id="crashing-relay")
    await producer.start()

    async def crash(event_ids: Sequence[str]) -> None:
        print(json.dumps({"published": list(event_ids)}), flush=True)
        os._exit(137)  # no cleanup, no commit: like kill -9

    relay = OutboxRelay(
        engine,
        producer,
        Outbox(MetaData(schema=schema), source="/test"),
        service="test",
        after_publish=crash,
    )
    await relay.publish_batch()
    raise SystemExit("the relay did not publish anything")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
