"""A Server-Sent Events reader for the tests (what a browser's EventSource parses)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Message:
    event: str  # "message" when the server named none
    id: str | None  # the last event id after it (ids persist, as in EventSource)
    data: Any  # the JSON of its data lines; None for an id-only heartbeat


class EventStream:
    """Parses the response in a task of its own into a queue: a `next` that times out leaves
    the stream intact (cancelling a read of the response itself would end it)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.last_id: str | None = None
        self.history: list[Message] = []  # every message `next` returned
        self._queue: asyncio.Queue[Message | BaseException] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def next(self, *, timeout: float) -> Message:
        """The next block (an event, or an id-only heartbeat), within `timeout` seconds."""
        item = await asyncio.wait_for(self._queue.get(), timeout)
        if isinstance(item, BaseException):
            self._queue.put_nowait(item)  # the end stays the end
            raise item
        self.history.append(item)
        return item

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _read(self) -> None:
        event, seen = "message", False
        data: list[str] = []
        try:
            async for line in self.response.aiter_lines():
                if line == "":
                    if seen:
                        payload = json.loads("\n".join(data)) if data else None
                        self._queue.put_nowait(Message(event, self.last_id, payload))
                    event, data, seen = "message", [], False
                    continue
                seen = True
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)
                elif name == "id":
                    self.last_id = value
            self._queue.put_nowait(EOFError("the stream ended"))
        except httpx.HTTPError as exc:
            self._queue.put_nowait(exc)

    async def until(
        self, match: Callable[[Message], bool], *, timeout: float, what: str
    ) -> Message:
        """The first message matching, received before or within `timeout` seconds."""
        for earlier in self.history:
            if match(earlier):
                return earlier
        deadline = asyncio.get_running_loop().time() + timeout
        skipped: list[str] = []
        while True:
            left = deadline - asyncio.get_running_loop().time()
            try:
                if left <= 0:
                    raise TimeoutError
                message = await self.next(timeout=left)
            except TimeoutError:
                seen = "\n".join(skipped[-20:])
                raise AssertionError(f"no {what} within {timeout}s; skipped:\n{seen}") from None
            if match(message):
                return message
            if message.data is not None:
                skipped.append(f"{message.event} {json.dumps(message.data)[:300]}")

    async def collect(self, *, seconds: float) -> list[Message]:
        """Every event message that arrives within `seconds`."""
        out: list[Message] = []
        deadline = asyncio.get_running_loop().time() + seconds
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                message = await self.next(timeout=left)
            except TimeoutError:
                break
            if message.data is not None:
                out.append(message)
        return out


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> AsyncIterator[EventStream]:
    async with client.stream(
        "GET", url, headers=headers or {}, params=params, timeout=httpx.Timeout(30)
    ) as r:
        assert r.status_code == 200, (await r.aread()).decode()
        assert r.headers["content-type"].startswith("text/event-stream")
        stream = EventStream(r)
        try:
            yield stream
        finally:
            await stream.close()


def of_case(case_id: str, event_type: str | None = None) -> Callable[[Message], bool]:
    def match(message: Message) -> bool:
        data = message.data or {}
        return (
            message.event == "message"
            and data.get("data", {}).get("case_id") == case_id
            and (event_type is None or data.get("type") == event_type)
        )

    return match
