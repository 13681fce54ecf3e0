"""A small HTTP/1.1 keep-alive load generator (asyncio streams), shared by the benchmarks.

Deliberately minimal so that the client spends little of the machine's CPU: the platform and the
baseline are measured with the same client, in the same run, and compared as a ratio.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        return statistics.quantiles(self.latencies, n=1000)[int(q * 1000) - 1] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<26} {self.rps:8.1f} req/s   p50 {self.pct(0.5):7.2f} ms   "
            f"p99 {self.pct(0.99):7.2f} ms   statuses {dict(sorted(self.statuses.items()))}"
        )


def _raw(method: str, target: str, host: str, extra: str, body: object | None) -> bytes:
    """One HTTP/1.1 request; `body` (if any) as JSON."""
    head = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n{extra}"
    if body is None:
        return (head + "\r\n").encode()
    data = json.dumps(body).encode()
    head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    writer.write(raw)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


async def run_load(
    name: str,
    host: str,
    port: int,
    path: str,
    make_body: Callable[[int], dict[str, object]],
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 2.0,
    keep_bodies: bool = False,
    headers: dict[str, str] | None = None,
    total: int | None = None,
    first: int = 0,
) -> Result:
    """Closed loop: `concurrency` connections, each sending its next request when the last is
    answered, for `seconds` after a `warmup`, or (with `total`) until `total` requests are sent
    (no warm-up; `seconds` is then the time they took). Request i's body is `make_body(first+i)`."""
    result = Result(name, seconds)
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    counter = first
    if total is not None:
        warmup, seconds = 0.0, float("inf")
    started_at = time.monotonic()
    stop_at = started_at + warmup + seconds
    measure_from = started_at + warmup

    async def worker() -> None:
        nonlocal counter
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.monotonic() < stop_at:
                if total is not None and counter >= first + total:
                    break
                counter += 1
                raw = _raw("POST", path, f"{host}:{port}", extra, make_body(counter))
                started = time.monotonic()
                status, response = await _request(reader, writer, raw)
                if started >= measure_from:
                    result.latencies.append(time.monotonic() - started)
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                if keep_bodies and 200 <= status < 300:
                    result.bodies.append(response)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    if total is not None:
        result.seconds = time.monotonic() - started_at
    return result


@dataclass
class Sent:
    """One request of an open-loop run: when it was due, sent and answered, and the answer."""

    due: float
    sent: float
    done: float
    status: int
    body: bytes


async def open_loop(
    host: str,
    port: int,
    path: str,
    make_body: Callable[[int], dict[str, object]] | None,
    *,
    rate: float,
    seconds: float,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    make_path: Callable[[int], str] | None = None,
    max_connections: int = 512,
    on_done: Callable[[Sent], None] | None = None,
) -> list[Sent]:
    """Requests at a fixed arrival rate (open loop: the next one is due on time whether or not
    the earlier ones are answered — a slow platform is not asked less), each on an idle
    keep-alive connection or a new one; `on_done` sees each answer as it comes. Times are
    `time.monotonic()`."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    out: list[Sent] = []
    slots = asyncio.Semaphore(max_connections)

    async def one(i: int, due: float) -> None:
        async with slots:
            if idle:
                reader, writer = idle.pop()
            else:
                reader, writer = await asyncio.open_connection(host, port)
            target = make_path(i) if make_path else path
            body = make_body(i) if make_body is not None else None
            raw = _raw(method, target, f"{host}:{port}", extra, body)
            sent = time.monotonic()
            try:
                status, response = await _request(reader, writer, raw)
            except (ConnectionError, asyncio.IncompleteReadError, IndexError, ValueError):
                writer.close()
                out.append(Sent(due, sent, time.monotonic(), 0, b""))
                return
            out.append(Sent(due, sent, time.monotonic(), status, response))
            idle.append((reader, writer))
            if on_done is not None:
                on_done(out[-1])

    start = time.monotonic() + 0.05
    count = int(rate * seconds)
    tasks = []
    for i in range(count):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    for _, writer in idle:
        writer.close()
    return out


def percentiles(values: list[float], qs: tuple[float, ...] = (0.5, 0.95, 0.99)) -> list[float]:
    """The given quantiles of `values` (NaN when empty)."""
    if len(values) < 2:
        return [values[0] if values else float("nan") for _ in qs]
    cuts = statistics.quantiles(values, n=1000)
    return [cuts[int(q * 1000) - 1] for q in qs]
