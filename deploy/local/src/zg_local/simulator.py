"""How `make run` starts the district simulator (`python -m zg_sim`) beside the platform."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def speed_from_env() -> float | None:
    """The simulator's speed unless ZG_SIMULATOR=off; ZG_SIMULATOR_SPEED (default 10: a day in
    2.4 hours)."""
    if os.environ.get("ZG_SIMULATOR", "on").lower() in ("off", "0", "false", "no"):
        return None
    return float(os.environ.get("ZG_SIMULATOR_SPEED", "10"))


def command(gateway: str, speed: float, data_dir: Path) -> list[str]:
    return [
        sys.executable, "-m", "zg_sim",
        "--gateway", gateway,
        "--speed", f"{speed:g}",
        "--credentials", str(data_dir / "demo-credentials.json"),
        "--accounts-file", str(data_dir / "sim-accounts.json"),
    ]  # fmt: skip


def banner_line(speed: float) -> str:
    return (
        f"  simulator      the district at work, {speed:g}x real time "
        "(ZG_SIMULATOR=off make run: without it; ZG_SIMULATOR_SPEED=60: a day in 24 min)"
    )
