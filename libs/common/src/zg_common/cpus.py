"""How many CPUs a process may really use: its affinity, capped by its container's CPU limit.

`os.cpu_count()` counts the machine's CPUs; in a container limited to 2 CPUs on a 32-core node
a pool sized from it starts 32 workers that share 2 CPUs' worth of time (and their memory).
Kubernetes' `resources.limits.cpu` and compose's `cpus` become a CFS quota: cgroup v2's
`cpu.max` ("200000 100000": 2 CPUs; "max 100000": none), cgroup v1's `cpu.cfs_quota_us` /
`cpu.cfs_period_us` (-1: none). A fraction rounds up: 1.5 CPUs can keep two workers busy."""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def _quota(root: Path) -> float | None:
    """The CPU limit of the cgroup mounted at `root`, in CPUs; None when there is none."""
    v2 = root / "cpu.max"
    try:
        if v2.is_file():
            quota, period = v2.read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        for v1 in (root / "cpu", root / "cpu,cpuacct"):
            if (v1 / "cpu.cfs_quota_us").is_file():
                quota_us = int((v1 / "cpu.cfs_quota_us").read_text())
                period_us = int((v1 / "cpu.cfs_period_us").read_text())
                return None if quota_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None
    return None


def available(root: Path = CGROUP) -> int:
    """The CPUs this process may use: at least 1."""
    affinity = len(os.sched_getaffinity(0))
    quota = _quota(root)
    if quota is None:
        return max(1, affinity)
    return max(1, min(affinity, math.ceil(quota)))
