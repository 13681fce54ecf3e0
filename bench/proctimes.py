"""CPU time and memory of the platform's processes, read from /proc, for the benchmarks.

A process's CPU here is its own user and system time plus that of its descendants: living
ones read directly, ended and reaped ones through their parent's `cutime`/`cstime` (so a
PostgreSQL backend that exits during a run is still counted, once). Memory is the resident set
size (RSS) of the process tree and its proportional set size (PSS): PostgreSQL's backends share
its buffers, so their RSS summed counts the shared pages once per backend, while PSS counts each
page once, divided among the processes that share it.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and its reaped children), None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # the command name may hold spaces
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return ppid, (utime + stime + cutime + cstime) / TICK


def _processes() -> dict[int, tuple[int, float]]:
    """Every process once: pid -> (parent pid, CPU seconds with its reaped children)."""
    out = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            out[int(entry.name)] = stat
    return out


def _children(processes: dict[int, tuple[int, float]]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for p, (ppid, _) in processes.items():
        children.setdefault(ppid, []).append(p)
    return children


def _tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each named process tree."""
    processes = _processes()
    children = _children(processes)
    return {
        name: sum(processes[p][1] for p in _tree(pid, children) if p in processes)
        for name, pid in pids.items()
    }


def memory_mib(pids: dict[str, int]) -> dict[str, tuple[float, float]]:
    """(RSS, PSS) of each named process tree, in MiB, from each process's `smaps_rollup`."""
    children = _children(_processes())
    out = {}
    for name, pid in pids.items():
        rss = pss = 0
        for p in _tree(pid, children):
            try:
                for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
        out[name] = (rss / 1024, pss / 1024)
    return out


def own_cpu_seconds() -> float:
    """This process's CPU (the load generator's), with its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuWindow:
    """CPU used by each process between `start` and `stop`, per unit of work."""

    pids: dict[str, int]
    before: dict[str, float] | None = None
    after: dict[str, float] | None = None

    def start(self) -> None:
        self.before = {**cpu_seconds(self.pids), "load generator": own_cpu_seconds()}

    def stop(self) -> None:
        self.after = {**cpu_seconds(self.pids), "load generator": own_cpu_seconds()}

    def used(self) -> dict[str, float]:
        assert self.before is not None and self.after is not None
        return {k: self.after[k] - self.before[k] for k in self.after}

    def table(self, units: int, unit: str = "case") -> str:
        """Each process's CPU in ms per unit, the platform's total, and the load generator's."""
        used = self.used()
        platform = {k: v for k, v in used.items() if k != "load generator"}
        rows = [f"  CPU per {unit} (ms), {units} {unit}s:"]
        for name, sec in sorted(platform.items(), key=lambda kv: -kv[1]):
            rows.append(f"    {name:<16} {1000 * sec / max(units, 1):7.2f}")
        total = sum(platform.values())
        rows.append(f"    {'platform total':<16} {1000 * total / max(units, 1):7.2f}")
        rows.append(
            f"    {'load generator':<16} {1000 * used['load generator'] / max(units, 1):7.2f}"
            "  (not the platform's)"
        )
        return "\n".join(rows)


def memory_table(label: str, pids: dict[str, int]) -> str:
    """One line: each process tree's RSS and, in brackets, its PSS (MiB)."""
    mem = memory_mib(pids)
    cells = "  ".join(f"{name} {rss:.0f} ({pss:.0f})" for name, (rss, pss) in mem.items())
    return f"  memory, RSS (PSS) MiB, {label}: {cells}"


def wait_for_rest(pids: dict[str, int], *, below: float = 0.15, timeout: float = 240) -> float:
    """Wait until the processes together use less than `below` of one core over 3 s (the
    platform plans the day's patrols and warms its caches when it starts: that is not per-case
    work); returns the rate at rest (cores busy)."""
    deadline = time.monotonic() + timeout
    rate = float("inf")
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(pids).values())
        time.sleep(3)
        rate = (sum(cpu_seconds(pids).values()) - before) / 3
        if rate < below:
            break
    return rate
