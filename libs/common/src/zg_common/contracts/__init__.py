"""Event contracts of every service, one module per producing service, and their export."""

from __future__ import annotations

from zg_common.contracts import (
    access,
    gateway,
    intake,
    lighting,
    patrol,
    routing,
    scoring,
    video_index,
)
from zg_common.events import EventContract

ALL_CONTRACTS: tuple[type[EventContract], ...] = (
    *gateway.CONTRACTS,
    *intake.CONTRACTS,
    *routing.CONTRACTS,
    *patrol.CONTRACTS,
    *scoring.CONTRACTS,
    *video_index.CONTRACTS,
    *access.CONTRACTS,
    *lighting.CONTRACTS,
)

TOPICS: tuple[str, ...] = tuple(sorted({c.topic for c in ALL_CONTRACTS}))


def contract_for(event_type: str) -> type[EventContract] | None:
    return _BY_TYPE.get(event_type)


_BY_TYPE = {c.event_type: c for c in ALL_CONTRACTS}
