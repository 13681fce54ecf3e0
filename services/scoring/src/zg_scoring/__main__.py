"""`python -m zg_scoring rebuild`: empty scoring's projections and replay the event log from its
beginning (the same replay as `POST /api/v1/scores/rebuilds`, run here and now), with the
service's settings (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, ZG_REFDATA_DIR)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from zg_common import migrate
from zg_common.db import create_engine, create_sessionmaker
from zg_scoring import rebuild
from zg_scoring.config import ScoringSettings
from zg_scoring.models import SCHEMA


async def _rebuild(settings: ScoringSettings) -> int:
    engine = create_engine(settings, application_name="zg-scoring-rebuild")
    await migrate.upgrade(engine, migrate.find_migrations(__file__), SCHEMA)
    started = time.monotonic()

    async def progress(events: int) -> None:
        print(f"\r{events} events replayed", end="", file=sys.stderr, flush=True)

    try:
        events = await rebuild.replay(
            create_sessionmaker(engine),
            settings.kafka_bootstrap_servers,
            refdata_dir=settings.refdata_dir,
            batch=settings.consumer_batch,
            progress=progress,
        )
    finally:
        await engine.dispose()
    seconds = time.monotonic() - started
    print(f"\nrebuilt from {events} events in {seconds:.1f} s", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zg_scoring")
    parser.add_argument("command", choices=["rebuild"])
    parser.parse_args(argv)
    return asyncio.run(_rebuild(ScoringSettings()))


if __name__ == "__main__":
    sys.exit(main())
