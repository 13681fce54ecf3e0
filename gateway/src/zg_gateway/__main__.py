"""`python -m zg_gateway create-admin --username NAME`: the first administrator of a deployment
(no demo accounts exist in production). The password comes from ZG_ADMIN_PASSWORD or a prompt.
With `--exists-ok` an account of that name already there is success (compose and the chart run
it at every start)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from zg_common import migrate
from zg_common.db import create_engine, create_sessionmaker, unit_of_work
from zg_common.errors import ProblemError
from zg_gateway import accounts
from zg_gateway.config import GatewaySettings
from zg_gateway.models import SCHEMA


async def create_admin(username: str, password: str) -> None:
    settings = GatewaySettings()
    engine = create_engine(settings, application_name="zg-gateway-cli")
    try:
        await migrate.at_start(engine, __file__, SCHEMA, settings)  # or checks the job did
        async with unit_of_work(create_sessionmaker(engine)) as session:
            await accounts.create_account(
                session,
                username=username,
                password=password,
                role="admin",
                name="Administrator",
                department_ids=[],
                grid_ids=[],
            )
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m zg_gateway", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-admin", help="create an administrator account")
    create.add_argument("--username", required=True)
    create.add_argument(
        "--exists-ok", action="store_true", help="succeed when the account exists already"
    )
    args = parser.parse_args()
    password = os.environ.get("ZG_ADMIN_PASSWORD") or getpass.getpass("password: ")
    if len(password) < 12:
        print("the password needs at least 12 characters", file=sys.stderr)
        return 2
    try:
        asyncio.run(create_admin(args.username, password))
    except ProblemError as exc:
        if args.exists_ok and exc.instance_code == "username_taken":
            print(f"administrator {args.username!r} exists already")
            return 0
        print(exc.detail, file=sys.stderr)
        return 1
    print(f"administrator {args.username!r} created")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
