"""The gateway's endpoints of the operators' live map: stream tickets and the event stream."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field

from zg_common.authz import require
from zg_common.contracts.feed import FEED_TOPICS, STREAM_OPERATION, STREAM_PATH, Viewer
from zg_common.errors import ServiceUnavailable
from zg_common.identity import Identity
from zg_gateway.stream import EventStreamResponse, open_consumer, relay, start_position

router = APIRouter(prefix="/api/v1/ops", tags=["live map"])

Caller = Annotated[Identity, require(STREAM_OPERATION)]


class StreamTicketRead(BaseModel):
    ticket: str = Field(description="opens one stream, once, within its lifetime")
    expires_at: datetime
    stream_url: str = Field(examples=[f"{STREAM_PATH}?ticket=..."])


@router.post(
    "/stream-tickets",
    response_model=StreamTicketRead,
    status_code=201,
    summary="A single-use ticket (30 s) to open the live stream (operators, departments, officers)",
    description="A browser's EventSource cannot send an Authorization header: the page asks "
    "for a ticket with its access token and opens the stream with it at once.",
)
async def stream_ticket(caller: Caller, request: Request) -> StreamTicketRead:
    ticket, expires = request.app.state.runtime.tickets.issue(caller)
    return StreamTicketRead(
        ticket=ticket, expires_at=expires, stream_url=f"{STREAM_PATH}?ticket={ticket}"
    )


@router.get(
    "/stream",
    summary="The live map's events as Server-Sent Events (operators, departments, officers; "
    "each event only when the caller's REST reads would show it)",
    description="Authenticated by `ticket` (from `POST /api/v1/ops/stream-tickets`; spent on "
    "use) or an Authorization header. Each event's `id` is the stream's position: send it "
    "back as `Last-Event-ID` (or `last_event_id`) to resume without loss while the broker "
    "keeps the records; `event: reset` says the position is gone and the page must reload. "
    f"Topics relayed: {', '.join(FEED_TOPICS)} (see the AsyncAPI document).",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    caller: Caller,
    request: Request,
    ticket: Annotated[str | None, Query(max_length=4000)] = None,
    last_event_id: Annotated[str | None, Query(max_length=2000)] = None,
    last_event_id_header: Annotated[
        str | None, Header(alias="last-event-id", max_length=2000)
    ] = None,
) -> Response:
    runtime = request.app.state.runtime
    settings = runtime.stream_settings
    if runtime.open_streams >= settings.max_connections:
        raise ServiceUnavailable(
            "Too many live streams on this gateway: try again shortly",
            code="streams_exhausted",
            headers={"Retry-After": "5"},
        )
    try:
        consumer = await open_consumer(runtime.kafka)
    except Exception as exc:
        raise ServiceUnavailable(
            "The event broker cannot be reached: try again shortly",
            code="broker_unavailable",
            headers={"Retry-After": "5"},
        ) from exc
    try:
        position, resumed, reset = await start_position(
            consumer, last_event_id_header or last_event_id
        )
    except Exception as exc:
        await consumer.stop()
        raise ServiceUnavailable(
            "The event broker did not answer: try again shortly",
            code="broker_unavailable",
            headers={"Retry-After": "5"},
        ) from exc

    runtime.open_streams += 1

    async def close() -> None:
        runtime.open_streams -= 1
        await consumer.stop()

    events = relay(
        Viewer(caller),
        consumer,
        position,
        resumed=resumed,
        reset=reset,
        heartbeat_s=settings.heartbeat_s,
        max_age_s=settings.max_age_s,
    )
    return EventStreamResponse(events, close=close)
