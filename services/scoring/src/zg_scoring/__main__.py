"""`python -m zg_scoring rebuild`: empty scoring's projections and replay the event log from its
beginning (the same replay as `POST /api/v1/scores/rebuilds`, whose job runs this command with
`--job`), with the service's settings (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, ZG_REFDATA_DIR,
ZG_SCORING_REPLAY_PROCESSES, ZG_SCORING_REPLAY_BATCH)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from zg_common import migrate
from zg_common.db import create_engine
from zg_scoring import rebuild_processes
from zg_scoring.config import ScoringSettings
from zg_scoring.models import SCHEMA


async def _migrate(settings: ScoringSettings) -> None:
    engine = create_engine(settings, application_name="zg-scoring-rebuild")
    try:
        await migrate.upgrade(engine, migrate.find_migrations(__file__), SCHEMA)
    finally:
        await engine.dispose()


def _report(events: int) -> None:
    print(f"\r{events} events replayed", end="", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zg_scoring")
    parser.add_argument("command", choices=["rebuild"])
    parser.add_argument(
        "--processes", type=int, help="processes to share the partitions among (default: setting)"
    )
    parser.add_argument("--job", help="the rebuild job this runs (the service's worker sets it)")
    args = parser.parse_args(argv)
    settings = ScoringSettings()
    asyncio.run(_migrate(settings))
    started = time.monotonic()
    events = rebuild_processes.run(
        settings,
        processes=args.processes or settings.replay_processes,
        job_id=args.job,
        report=None if args.job else _report,
    )
    seconds = time.monotonic() - started
    print(f"\nrebuilt from {events} events in {seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
