"""Sampling profiles of the platform's Python processes during a bench's load (py-spy).

    with ServiceProfiles(pids, out_dir, seconds) as profiles: ...load...
    print(profiles.summary())

Each service is sampled 100 times a second (`py-spy record --nonblocking -f raw`, idle
threads left out), so a sample is CPU the process spent; the summary names, per process, the
functions where the samples were (leaf, own time) and how often each module is on the stack
(SQLAlchemy's ORM, asyncpg, aiokafka, the event loop, the service's own code; a sample counts
once per module, so the shares add up to more than 100 %).
py-spy comes from `uv tool install py-spy`; without it the bench runs without profiles.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
from prometheus_client.parser import text_string_to_metric_families

PY_SPY_HOME = Path.home() / ".local" / "bin" / "py-spy"
# a frame belongs to the first of these its file matches
MODULE_MARKS = (
    ("sqlalchemy/orm/", "SQLAlchemy ORM"),
    ("sqlalchemy/", "SQLAlchemy Core/engine"),
    ("asyncpg/", "asyncpg"),
    ("aiokafka/", "aiokafka"),
    ("pydantic", "pydantic"),
    ("starlette/", "Starlette"),
    ("fastapi/", "FastAPI"),
    ("uvicorn/", "uvicorn"),
    ("h11", "h11"),
    ("httpx/", "httpx"),
    ("httpcore/", "httpcore"),
    ("asyncio/", "asyncio loop"),
    ("zg_", "platform code"),
)


def py_spy() -> str | None:
    found = shutil.which("py-spy")
    return found or (str(PY_SPY_HOME) if PY_SPY_HOME.exists() else None)


class ServiceProfiles:
    def __init__(self, pids: dict[str, int], out_dir: Path, seconds: float) -> None:
        # PostgreSQL and Kafka are not Python: their CPU is in the per-process table only
        self.pids = {n: p for n, p in pids.items() if n not in ("postgres", "kafka")}
        self.out_dir, self.seconds = out_dir, seconds
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> ServiceProfiles:
        tool = py_spy()
        if tool is None:
            print("  (py-spy not found: no profiles; `uv tool install py-spy`)")
            return self
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in self.pids.items():
            out = self.out_dir / f"{name}.txt"
            self.procs[name] = subprocess.Popen(
                [
                    tool,
                    "record",
                    "--nonblocking",
                    "-r",
                    "100",
                    "-f",
                    "raw",
                    "-d",
                    str(int(self.seconds)),
                    "-p",
                    str(pid),
                    "-o",
                    str(out),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for proc in self.procs.values():
            try:
                proc.wait(self.seconds + 30)
            except subprocess.TimeoutExpired:
                proc.kill()

    def summary(self, top: int = 12) -> str:
        lines = [f"  profiles (py-spy, 100 Hz, files in {os.path.relpath(self.out_dir)}):"]
        for name in self.procs:
            path = self.out_dir / f"{name}.txt"
            if not path.exists():
                lines.append(f"    {name}: no profile")
                continue
            leaves, modules, total = summarise(path.read_text())
            if not total:
                continue
            lines.append(f"    {name}: {total} samples")
            share = ", ".join(f"{m} {n / total:.0%}" for m, n in modules.most_common())
            lines.append(f"      on the stack: {share}")
            for leaf, n in leaves.most_common(top):
                lines.append(f"      {n / total:6.1%}  {leaf}")
        return "\n".join(lines)


def summarise(raw: str) -> tuple[Counter[str], Counter[str], int]:
    """(samples per leaf function, samples with each module on the stack, samples) of a raw
    py-spy file: one stack a line, `frame;frame;...;leaf count`, outermost first."""
    leaves: Counter[str] = Counter()
    modules: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        leaves[frames[-1]] += n
        for label in _modules_of(frames):
            modules[label] += n
    return leaves, modules, total


def _modules_of(frames: list[str]) -> set[str]:
    """The modules on a stack, each once (a frame counts for the first mark it matches)."""
    return {
        next(label for mark, label in MODULE_MARKS if mark in frame)
        for frame in frames
        if any(mark in frame for mark, _ in MODULE_MARKS)
    }


BATCH_METRICS = {
    "zg_consumer_poll_records": ("consumer", "poll"),
    "zg_outbox_batch_rows": ("service", "relay"),
}


@dataclass
class Hist:
    """One Prometheus histogram series: its count, its sum and its cumulative buckets."""

    count: float = 0.0
    total: float = 0.0
    buckets: dict[float, float] = field(default_factory=dict)

    def since(self, before: Hist | None) -> Hist:
        if before is None:
            return self
        return Hist(
            self.count - before.count,
            self.total - before.total,
            {le: n - before.buckets.get(le, 0.0) for le, n in self.buckets.items()},
        )

    def over(self, bound: float) -> float:
        """How many observations were above `bound` (a bucket's upper bound)."""
        return self.count - self.buckets.get(bound, 0.0)


def histograms(text: str, name: str, label: str | None = None) -> dict[str, Hist]:
    """The series of histogram `name` in a /metrics text, by the value of `label` ("" when
    there is none)."""
    series: dict[str, Hist] = {}
    for family in text_string_to_metric_families(text):
        if family.name != name:
            continue
        for sample in family.samples:
            hist = series.setdefault(sample.labels.get(label, "") if label else "", Hist())
            if sample.name.endswith("_count"):
                hist.count = sample.value
            elif sample.name.endswith("_sum"):
                hist.total = sample.value
            elif sample.name.endswith("_bucket"):
                hist.buckets[float(sample.labels["le"])] = sample.value
    return series


async def _metrics(services: dict[str, str]) -> dict[str, str]:
    """Each service's /metrics text; a service whose /metrics does not answer is left out."""
    async with httpx.AsyncClient(timeout=5) as client:
        answers = await asyncio.gather(
            *(client.get(f"{url}/metrics") for url in services.values()), return_exceptions=True
        )
    return {
        service: answer.text
        for service, answer in zip(services, answers, strict=True)
        if not isinstance(answer, BaseException)
    }


class MetricsWindow:
    """What the services' own /metrics say happened between `start` and `stop` (each reads
    every service's /metrics once): events per consumer poll and relay batch, the
    collector's pauses, how late the event loops ran."""

    def __init__(self, services: dict[str, str]) -> None:
        self.services = services
        self.before: dict[str, str] = {}
        self.after: dict[str, str] = {}

    async def start(self) -> None:
        self.before = await _metrics(self.services)

    async def stop(self) -> None:
        self.after = await _metrics(self.services)

    def _delta(self, service: str, name: str, label: str | None = None) -> dict[str, Hist]:
        before = histograms(self.before.get(service, ""), name, label)
        now = histograms(self.after[service], name, label)
        return {key: hist.since(before.get(key)) for key, hist in now.items()}

    def _lines(self, title: str, line: Callable[[str], str]) -> str:
        lines = [f"  {title}"]
        for service in self.services:
            text = line(service) if service in self.after else "/metrics unavailable"
            lines.append(f"    {service}: {text}")
        return "\n".join(lines)

    def batch_sizes(self) -> str:
        """Mean records per consumer poll and rows per outbox batch (`zg_consumer_poll_records`,
        `zg_outbox_batch_rows`): how much each transaction and each publish carries; one per
        case means every case pays a transaction's fixed cost alone."""

        def line(service: str) -> str:
            parts = [
                f"{kind} {who} {hist.total / hist.count:.1f} ({hist.count:.0f}×)"
                for name, (label, kind) in BATCH_METRICS.items()
                for who, hist in sorted(self._delta(service, name, label).items())
                if hist.count
            ]
            return "; ".join(parts) or "none"

        return self._lines("events per transaction (mean: consumer polls, relay batches):", line)

    def gc_pauses(self) -> str:
        """The collector's pauses per generation (`zg_gc_pause_seconds`): a process collecting
        stops everything it does, so a long pause is a request's tail, many short ones CPU."""

        def line(service: str) -> str:
            pauses = self._delta(service, "zg_gc_pause_seconds", "generation")
            parts = []
            for generation in ("0", "1", "2"):
                hist = pauses.get(generation, Hist())
                parts.append(f"{hist.count:.0f}, {1000 * hist.total:.0f}, {hist.over(0.01):.0f}")
            return " / ".join(parts)

        title = (
            "collector pauses (zg_gc_pause_seconds), per generation 0 / 1 / 2: count, ms, > 10 ms"
        )
        return self._lines(title, line)

    def loop_lags(self) -> str:
        """How late each event loop ran its timers (`zg_event_loop_lag_seconds`): the wait a
        request has behind the rest of its process's work."""

        def line(service: str) -> str:
            hist = self._delta(service, "zg_event_loop_lag_seconds").get("")
            if hist is None or not hist.count:
                return "none"
            n = hist.count
            return (
                f"mean {1000 * hist.total / n:.1f} ms, {hist.over(0.01) / n:.0%} > 10 ms, "
                f"{hist.over(0.05) / n:.0%} > 50 ms"
            )

        return self._lines("event loop lateness (zg_event_loop_lag_seconds):", line)
