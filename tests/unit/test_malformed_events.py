"""An event whose case id is not a UUID can never be applied: the followers raise a permanent
error (dead-lettered at once) instead of a bare ValueError, which the consumer retries five
times, holding back every event behind it (seen: a test's crafted scoring stream, with ids like
`a1b2-c1`, kept intake's follower seconds behind on a shared broker)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.consumer import PERMANENT, MalformedEvent, event_uuid
from zg_common.contracts import intake, routing
from zg_common.events import CloudEvent, EventContract
from zg_intake import follow
from zg_routing import service

AT = datetime(2026, 9, 1, tzinfo=UTC)
NO_SESSION = cast(AsyncSession, None)  # the id is read before the database is


def event(contract: EventContract) -> CloudEvent:
    return CloudEvent.of(contract, source="/test", subject="a1b2-c1")


def test_an_id_that_is_not_a_uuid_is_a_permanent_error() -> None:
    assert str(event_uuid("0b7f5a52-3c55-4c1e-9a8e-2f5d8d1c0b11")).startswith("0b7f5a52")
    with pytest.raises(MalformedEvent, match="case id 'a1b2-c1' is not a UUID") as raised:
        event_uuid("a1b2-c1", "case id")
    assert isinstance(raised.value, PERMANENT)


async def test_the_followers_refuse_a_malformed_case_id_for_good() -> None:
    step = routing.CaseTransitioned(
        case_id="a1b2-c1", action="accept", from_status="reported", to_status="accepted",
        actor_role="system", at=AT,
    )  # fmt: skip
    overdue = routing.CaseOverdue(
        case_id="a1b2-c1", number="N1", department_id="roads", due_at=AT, at=AT
    )
    reported = intake.CaseReported(
        case_id="a1b2-c1", number="N1", category="C0101", category_kind="component",
        lat=31.0, lon=117.0, description="x", source="resident_app", reported_at=AT,
    )  # fmt: skip
    calls: list[Any] = [
        follow.record_transition(NO_SESSION, event(step), reference=cast(Any, None)),
        follow.record_deadline(NO_SESSION, event(overdue)),
        service.dispatch_reported_case(
            NO_SESSION,
            event(reported),
            grids=cast(Any, None),
            clock=cast(Any, None),
            rulebook=cast(Any, None),
        ),
    ]
    for call in calls:
        with pytest.raises(PERMANENT):
            await call
