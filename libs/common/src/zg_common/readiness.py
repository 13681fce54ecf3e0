"""What `/readyz` of a service says, and why (docs/reliability.md). Ready means: requests are
served and nothing the service does in the background is stuck.

- The database answers (without it no request is served).
- The broker being away does not make a service unready: requests go on, their events wait in
  the outbox, consumers resume where they stopped. It is reported, not required.
- A relay is stuck when the broker answers yet the oldest unpublished event is older than
  RELAY_STUCK_S: not ready.
- Every consumer is in its group once the broker answers (at start-up: not ready until then)
  and not paused after dead-lettering every recent event; a background task that failed
  CRASH_LOOP times within CRASH_LOOP_WINDOW_S is crash-looping: not ready.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from zg_common.kafka import broker_reachable

log = logging.getLogger(__name__)

RELAY_STUCK_S = 60.0
CRASH_LOOP = 3
CRASH_LOOP_WINDOW_S = 300.0


@dataclass
class Failures:
    """When each background task last failed (`keep_running` records them)."""

    seen: dict[str, deque[float]] = field(default_factory=dict)

    def record(self, task: str) -> None:
        self.seen.setdefault(task, deque(maxlen=CRASH_LOOP)).append(time.monotonic())

    def looping(self) -> list[str]:
        now = time.monotonic()
        return sorted(
            name
            for name, times in self.seen.items()
            if len(times) == CRASH_LOOP and now - times[0] <= CRASH_LOOP_WINDOW_S
        )


async def check(runtime: Any) -> tuple[bool, dict[str, Any], list[str]]:
    """Whether the service is ready, what was looked at, and why not."""
    why: list[str] = []
    checks: dict[str, Any] = {}
    try:
        async with runtime.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), 2.0)
        checks["database"] = True
    except Exception:
        log.warning("readiness: database unreachable", exc_info=True)
        checks["database"] = False
        why.append("database unreachable")
    broker = runtime.messaging_ready.is_set() and await broker_reachable(runtime.producer)
    checks["broker"] = broker
    # away: we tried and it did not answer (then consumers and relay wait, and that is fine);
    # neither up nor known away: the service is still starting
    away = not broker and (runtime.messaging_ready.is_set() or runtime.broker_tries > 0)
    joined = all(c.joined for c in runtime.consumers)
    checks["consumers"] = joined
    if not (joined or away):
        why.append("consumers not in their groups yet")
    if broker and runtime.relay is not None and checks["database"]:
        age = await runtime.relay.backlog_age()
        checks["outbox_backlog_s"] = round(age, 1)
        if age > RELAY_STUCK_S:
            why.append(f"the outbox relay is stuck: its oldest event waits {age:.0f} s")
    paused = sorted(c.group_id for c in runtime.consumers if getattr(c, "paused", False))
    if paused:
        why.append(f"paused after dead-lettering every recent event: {', '.join(paused)}")
    looping = runtime.failures.looping()
    checks["crash_looping"] = looping
    if looping:
        why.append(f"crash-looping: {', '.join(looping)}")
    return not why, checks, why
