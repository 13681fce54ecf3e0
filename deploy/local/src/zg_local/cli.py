"""Command line of the local platform: `run` (everything), `infra` (database and broker),
`dataset` (write the default data set)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from zg_local.config import REPO_ROOT, LocalConfig
from zg_local.simulator import speed_from_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zg_local", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="PostgreSQL, Kafka, every service and the gateway (make run)")
    infra = sub.add_parser("infra", help="only PostgreSQL and Kafka (used by make test)")
    for p in (run, infra):
        p.add_argument(
            "--data-dir", type=Path, help="local state folder (default .data, env ZG_DATA_DIR)"
        )
        p.add_argument("--port-offset", type=int, default=0, help="add this to every default port")
        p.add_argument("--ready-file", type=Path, help="write URLs and pids here once ready")
        p.add_argument(
            "--ephemeral",
            action="store_true",
            help="no fsync in PostgreSQL (tests only: faster, not crash-safe)",
        )
    ds = sub.add_parser("dataset", help="write the default data set")
    ds.add_argument("--out", type=Path, default=REPO_ROOT / "deploy" / "data" / "fangxing")
    args = parser.parse_args(argv)

    if args.command == "dataset":
        from zg_local import dataset

        out = dataset.write(args.out)
        print(f"wrote data set {dataset.VERSION} to {out}")
        return 0

    from zg_local.supervisor import Supervisor

    cfg = LocalConfig.from_env(data_dir=args.data_dir, port_offset=args.port_offset)
    supervisor = Supervisor(
        cfg,
        with_services=args.command == "run",
        durable=not args.ephemeral,
        ready_file=args.ready_file,
        simulator_speed=speed_from_env() if args.command == "run" else None,
    )
    return asyncio.run(supervisor.run())
