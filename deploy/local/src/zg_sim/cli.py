"""`python -m zg_sim`: make the district live. Officers walk their planned routes and check in
with their points' codes (some miss visits), residents and the 12345 hotline report problems,
cameras beat and raise alarms, the centre and the departments move every case along — all
through the gateway's public API, at `--speed` times real time (60: a day in 24 minutes),
the same run again for the same `--seed`.

Loopback only unless `--allow-remote` (a load source must not hit a real deployment by
accident). Ends after `--duration` simulated time (or Ctrl-C) and prints what it did as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from dataclasses import dataclass
from pathlib import Path

from zg_sim.actors import Clock, Simulation
from zg_sim.client import Gateway, Tally, check_local
from zg_sim.devices import Devices
from zg_sim.workflow import Workflow
from zg_sim.world import build

log = logging.getLogger("zg_sim")


@dataclass(frozen=True)
class SimConfig:
    speed: float = 10.0
    seed: int = 1
    reports_per_hour: float = 30.0  # simulated hours
    alarms_per_hour: float = 4.0
    hotline_share: float = 0.25
    miss_rate: float = 0.05
    position_every_s: float = 15.0  # wall-clock seconds between an officer's fixes
    heartbeat_every_s: float = 60.0
    work_every_s: float = 3.0
    alarm_categories: tuple[str, ...] = ("E0101", "E0104", "E0403")
    lights_every_s: float = 60.0  # wall-clock seconds between the lighting platform's reports
    circuit_outage_chance: float = 0.02  # per report round: a circuit goes dark
    residents_per_compound: int = 3  # registered at the start
    moves_per_hour: float = 6.0  # arrivals and departures, simulated hours
    refused_run_chance: float = 0.05  # per gate round: a cancelled card tried at a gate


def duration_s(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zg_sim", description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--speed", type=float, default=SimConfig.speed)
    parser.add_argument("--seed", type=int, default=SimConfig.seed)
    parser.add_argument("--duration", type=duration_s, help="simulated time: 90m, 24h, 1d")
    parser.add_argument("--reports-per-hour", type=float, default=SimConfig.reports_per_hour)
    parser.add_argument("--alarms-per-hour", type=float, default=SimConfig.alarms_per_hour)
    parser.add_argument("--officers", type=int, help="only the first N officers walk")
    parser.add_argument("--position-every", type=float, default=SimConfig.position_every_s)
    parser.add_argument("--credentials", type=Path, default=Path(".data/demo-credentials.json"))
    parser.add_argument("--accounts-file", type=Path, default=Path(".data/sim-accounts.json"))
    parser.add_argument("--allow-remote", action="store_true")
    parser.add_argument("--summary", type=Path, help="also write the summary (JSON) here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not args.allow_remote:
        check_local(args.gateway)
    if not args.credentials.is_file():
        parser.error(
            f"{args.credentials} is missing: the simulator logs in with the platform's demo "
            "accounts (written by `make run` in development)"
        )
    config = SimConfig(
        speed=args.speed,
        seed=args.seed,
        reports_per_hour=args.reports_per_hour,
        alarms_per_hour=args.alarms_per_hour,
        position_every_s=args.position_every,
    )
    summary = asyncio.run(run(args, config))
    text = json.dumps(summary, indent=1, ensure_ascii=False)
    print(text)
    if args.summary:
        args.summary.write_text(text + "\n")
    return 0


async def run(args: argparse.Namespace, config: SimConfig) -> dict[str, object]:
    tally = Tally()
    gateway = Gateway(args.gateway, tally)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        world = await build(
            gateway,
            credentials=args.credentials,
            accounts_file=args.accounts_file,
            officers=args.officers,
        )
        clock = Clock(config.speed)
        sim = Simulation(world, tally, seed=config.seed, clock=clock, config=config)
        devices = Devices(sim)
        log.info(
            "the district is live at %gx (seed %d)%s; stop it with Ctrl-C",
            config.speed,
            config.seed,
            f" for {args.duration:.0f} simulated seconds" if args.duration else "",
        )
        tasks = [
            asyncio.create_task(coroutine)
            for coroutine in (
                *(sim.patrol(o) for o in world.officers.values()),
                sim.report_problems(),
                sim.beat_cameras(),
                sim.raise_alarms(),
                devices.lights(),
                devices.residents(),
                devices.gates(),
                Workflow(sim).run(),
            )
        ]
        waiting = [asyncio.create_task(stop.wait()), *tasks]
        timeout = args.duration / config.speed if args.duration else None
        done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for task in done:  # an actor that died says why
            if task in tasks and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        for task in waiting:
            task.cancel()
        for task in waiting:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if sim.pending:  # reports and alarms already sent get their answers
            await asyncio.wait(list(sim.pending), timeout=30)
        return {"speed": config.speed, "seed": config.seed, **tally.summary()}
    finally:
        await gateway.aclose()
