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
    "zg_consumer_poll_records": "consumer",
    "zg_outbox_batch_rows": "service",
}


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


async def batch_totals(services: dict[str, str]) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(sum, count) of `zg_consumer_poll_records` and `zg_outbox_batch_rows` per service,
    kind ("poll" or "relay") and consumer or relay, from each service's /metrics; a service
    whose /metrics does not answer is left out."""
    totals: dict[tuple[str, str, str], tuple[float, float]] = {}
    for service, text in (await _metrics(services)).items():
        for family in text_string_to_metric_families(text):
            label = BATCH_METRICS.get(family.name)
            if label is None:
                continue
            kind = "poll" if label == "consumer" else "relay"
            for sample in family.samples:
                key = (service, kind, sample.labels.get(label, "?"))
                total, count = totals.get(key, (0.0, 0.0))
                if sample.name.endswith("_sum"):
                    totals[key] = (sample.value, count)
                elif sample.name.endswith("_count"):
                    totals[key] = (total, sample.value)
    return totals


async def batch_sizes(
    services: dict[str, str], since: dict[tuple[str, str, str], tuple[float, float]] | None = None
) -> str:
    """Mean records per consumer poll and rows per outbox batch, from each service's /metrics
    (`zg_consumer_poll_records`, `zg_outbox_batch_rows`), since `since` (an earlier
    `batch_totals`) if given: how much each transaction and each publish carries; one per case
    means every case pays a transaction's fixed cost alone."""
    lines = ["  events per transaction (mean, from /metrics: consumer polls, relay batches):"]
    now = await batch_totals(services)
    before = since or {}
    for service in services:
        parts = []
        for key in sorted(k for k in now if k[0] == service):
            total, count = now[key]
            total0, count0 = before.get(key, (0.0, 0.0))
            n = count - count0
            if n:
                parts.append(f"{key[1]} {key[2]} {(total - total0) / n:.1f} ({n:.0f}×)")
        if not any(k[0] == service for k in now):
            lines.append(f"    {service}: /metrics unavailable")
            continue
        lines.append(f"    {service}: " + ("; ".join(parts) or "none"))
    return "\n".join(lines)


GcTotals = dict[tuple[str, str], tuple[float, float, float]]


async def gc_totals(services: dict[str, str]) -> GcTotals:
    """Per service and generation: the collector's pauses (`zg_gc_pause_seconds`), their
    seconds in all and how many took longer than 10 ms."""
    totals: GcTotals = {}
    for service, text in (await _metrics(services)).items():
        for family in text_string_to_metric_families(text):
            if family.name != "zg_gc_pause_seconds":
                continue
            for sample in family.samples:
                key = (service, sample.labels["generation"])
                count, seconds, fast = totals.get(key, (0.0, 0.0, 0.0))
                if sample.name.endswith("_count"):
                    count = sample.value
                elif sample.name.endswith("_sum"):
                    seconds = sample.value
                elif sample.name.endswith("_bucket") and float(sample.labels["le"]) == 0.01:
                    fast = sample.value
                totals[key] = (count, seconds, fast)
    return {key: (count, seconds, count - fast) for key, (count, seconds, fast) in totals.items()}


async def gc_pauses(services: dict[str, str], since: GcTotals | None = None) -> str:
    """The collector's pauses of each service since `since` (an earlier `gc_totals`), per
    generation: a process collecting stops everything it does, so a long pause is a request's
    tail, and many short ones are CPU."""
    now = await gc_totals(services)
    before = since or {}
    lines = [
        "  collector pauses (zg_gc_pause_seconds), per generation 0 / 1 / 2: count, ms, > 10 ms"
    ]
    for service in services:
        parts = []
        for generation in ("0", "1", "2"):
            count, seconds, slow = now.get((service, generation), (0.0, 0.0, 0.0))
            count0, seconds0, slow0 = before.get((service, generation), (0.0, 0.0, 0.0))
            parts.append(
                f"{count - count0:.0f}, {1000 * (seconds - seconds0):.0f}, {slow - slow0:.0f}"
            )
        lines.append(f"    {service}: " + " / ".join(parts))
    return "\n".join(lines)


LagTotals = dict[str, tuple[float, float, float, float]]


async def lag_totals(services: dict[str, str]) -> LagTotals:
    """Per service: the event loop's lateness samples (`zg_event_loop_lag_seconds`), their
    seconds in all, and how many were later than 10 ms and than 50 ms."""
    totals: LagTotals = {}
    for service, text in (await _metrics(services)).items():
        count = seconds = within_10 = within_50 = 0.0
        for family in text_string_to_metric_families(text):
            if family.name != "zg_event_loop_lag_seconds":
                continue
            for sample in family.samples:
                if sample.name.endswith("_count"):
                    count = sample.value
                elif sample.name.endswith("_sum"):
                    seconds = sample.value
                elif sample.name.endswith("_bucket"):
                    bound = float(sample.labels["le"])
                    within_10 = sample.value if bound == 0.01 else within_10
                    within_50 = sample.value if bound == 0.05 else within_50
        totals[service] = (count, seconds, count - within_10, count - within_50)
    return totals


async def loop_lags(services: dict[str, str], since: LagTotals | None = None) -> str:
    """How late each process's event loop ran its timers since `since` (an earlier
    `lag_totals`): the wait a request has behind the rest of its process's work."""
    now = await lag_totals(services)
    before = since or {}
    parts = []
    for service, (count, seconds, late_10, late_50) in now.items():
        count0, seconds0, late0_10, late0_50 = before.get(service, (0.0, 0.0, 0.0, 0.0))
        n = count - count0
        if not n:
            continue
        parts.append(
            f"{service} mean {1000 * (seconds - seconds0) / n:.1f} ms, "
            f"{(late_10 - late0_10) / n:.0%} > 10 ms, {(late_50 - late0_50) / n:.0%} > 50 ms"
        )
    return "  event loop lateness (zg_event_loop_lag_seconds): " + "; ".join(parts)
