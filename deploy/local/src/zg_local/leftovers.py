"""Leftovers of a supervisor that was killed (terminal closed, OOM): the children it started for
this data folder may still run — a service hanging in its shutdown with the broker gone, a
PostgreSQL waiting in smart shutdown for that service's connections — and hold the ports the
next `make run` needs. The supervisor records what it starts (`children.json` in the data
folder); the next start stops those of them still running, and the PostgreSQL whose
`postmaster.pid` names this data folder, before it checks the ports. A process is only ever
stopped when its command line is the one recorded (a reused pid is left alone)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

RECORD = "children.json"
GRACE_S = 10.0


@dataclass(frozen=True)
class Leftover:
    name: str
    pid: int
    signal: int  # the polite one; SIGKILL after GRACE_S


def record(data_dir: Path, children: list[tuple[str, int, list[str]]]) -> None:
    """What this supervisor runs now: (name, pid, command)."""
    path = data_dir / RECORD
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([{"name": n, "pid": p, "cmd": c} for n, p, c in children]))
    tmp.replace(path)


def forget(data_dir: Path) -> None:
    (data_dir / RECORD).unlink(missing_ok=True)


def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.decode(errors="replace").split("\0")[:-1] or None


def find(data_dir: Path) -> list[Leftover]:
    """The processes of an earlier run for `data_dir` that still run."""
    found: list[Leftover] = []
    with contextlib.suppress(OSError, ValueError):
        for entry in json.loads((data_dir / RECORD).read_text()):
            if _cmdline(int(entry["pid"])) == list(entry["cmd"]):
                found.append(Leftover(entry["name"], int(entry["pid"]), _polite(entry["name"])))
    with contextlib.suppress(OSError, ValueError, IndexError):
        lines = (data_dir / "postgres" / "postmaster.pid").read_text().splitlines()
        pid, folder = int(lines[0]), lines[1]
        cmdline = _cmdline(pid) or []
        ours = Path(folder).resolve() == (data_dir / "postgres").resolve()
        if ours and any(folder in arg for arg in cmdline) and pid not in {x.pid for x in found}:
            found.append(Leftover("postgres", pid, _polite("postgres")))
    return found


def _polite(name: str) -> int:
    # PostgreSQL's fast shutdown: it does not wait for its clients as smart shutdown (SIGTERM)
    # does — the clients may be the very services left hanging
    return signal.SIGINT if name == "postgres" else signal.SIGTERM


def stop(leftovers: list[Leftover], *, grace_s: float = GRACE_S) -> None:
    """Ask each to stop (its process group), then kill what still runs after `grace_s`."""
    for leftover in leftovers:
        _signal(leftover.pid, leftover.signal)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(_alive(x.pid) for x in leftovers):
        time.sleep(0.1)
    for leftover in leftovers:
        if _alive(leftover.pid):
            _signal(leftover.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0  # a killed process is gone in a moment: its ports too
    while time.monotonic() < deadline and any(_alive(x.pid) for x in leftovers):
        time.sleep(0.05)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        try:
            os.killpg(pid, sig)  # the supervisor starts each child in a session of its own
        except ProcessLookupError:
            os.kill(pid, sig)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it when it happens to be our own child
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def stop_leftovers(data_dir: Path) -> list[str]:
    """Stop what an earlier run left running for `data_dir`; the names it stopped."""
    leftovers = find(data_dir)
    if leftovers:
        stop(leftovers)
    forget(data_dir)
    return [f"{x.name} (pid {x.pid})" for x in leftovers]
