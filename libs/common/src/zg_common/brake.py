"""A consumer's brake on dead letters: a cause that spoils every event (a broken deployment,
missing reference data) would otherwise empty a whole topic into its dead-letter topic. After
`after` dead letters in a row the consumer pauses before each next record (from `pause_s`,
doubling, at most MAX_PAUSE_S: within the group's poll interval), logs an ERROR, and `/readyz`
says so; an applied event releases it."""

from __future__ import annotations

import asyncio
import logging
import time

log = logging.getLogger(__name__)

AFTER = 5
PAUSE_S = 15.0
MAX_PAUSE_S = 120.0


class DeadLetterBrake:
    def __init__(self, name: str, *, after: int = AFTER, pause_s: float = PAUSE_S) -> None:
        self.name, self.after, self.pause_s = name, after, pause_s
        self.in_a_row = 0
        self.paused_until = 0.0

    @property
    def paused(self) -> bool:
        return time.monotonic() < self.paused_until

    def dead_lettered(self) -> None:
        self.in_a_row += 1

    def applied(self) -> None:
        self.in_a_row = 0

    async def wait(self) -> None:
        """Before a record: pause if every recent event was dead-lettered."""
        if self.in_a_row < self.after:
            return
        pause = min(self.pause_s * 2 ** (self.in_a_row - self.after), MAX_PAUSE_S)
        self.paused_until = time.monotonic() + pause
        log.error(
            "consumer paused: every recent event was dead-lettered",
            extra={"consumer": self.name, "in_a_row": self.in_a_row, "pause_s": pause},
        )
        await asyncio.sleep(pause)
