"""The platform with the settings of a real cluster (issue #17's acceptance), before the fault
tests: two replicas of every service and the gateway (`python -m zg_local run` twice) on a
PostgreSQL and a Kafka broker of the test's own, where

- the broker speaks SASL/SCRAM over TLS to the services, and its authorizer lets their account
  read, write and describe topics and groups but not create a topic;
- the topics were made beforehand by the release's step (`python -m zg_common.topics create`,
  as the broker's administrator, with a replication factor and partitions from the settings),
  and the services run with topic creation off;
- the schemas were migrated beforehand by the release's job (`python -m zg_common.migrate all`,
  as their owner), and the services run under a role that may only use rows, with migration
  at start off;

and the case loop works: a report through one gateway is dispatched and read back through the
other, and no topic exists that the plan did not make."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import sys

import asyncpg
import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from tests.chaos.harness import Infra, Replica
from tests.conftest import REPO
from tests.helpers import eventually, free_port
from zg_common.contracts import TOPICS
from zg_common.db import to_asyncpg_dsn
from zg_common.kafka import topics_with_dlq
from zg_local.config import SECRET_FILES, LocalConfig
from zg_local.kafka import SecuredListener
from zg_local.postgres import SUPERUSER
from zg_local.reportable import places_and_categories
from zg_local.tls import make_tls

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(900)]

DATA = REPO / ".data" / "cluster"
OFFSETS = (2200, 2300, 2400)  # infra (PostgreSQL 17632, Kafka 21292); gateways 10300, 10400
ACCOUNT, PASSWORD = "zg-platform", secrets.token_urlsafe(24)
APP_ROLE = "zongguan_app"
PLAN = {"intake.case": 6, "routing.case": 6}


async def run(*command: str, env: dict[str, str]) -> str:
    proc = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await proc.communicate()
    assert proc.returncode == 0, output.decode()
    return output.decode()


async def test_two_replicas_run_the_case_loop_with_a_cluster_s_settings() -> None:
    if DATA.exists():
        shutil.rmtree(DATA)
    cfg = LocalConfig.from_env(data_dir=DATA, port_offset=OFFSETS[0])
    tls = make_tls(DATA / "tls")
    infra = Infra(
        DATA / "infra", cfg, secured=SecuredListener(free_port(), tls, {ACCOUNT: PASSWORD})
    )
    infra.folder.mkdir(parents=True, exist_ok=True)
    replicas = (Replica(OFFSETS[1], DATA / "a"), Replica(OFFSETS[2], DATA / "b"))
    try:
        await infra.start_postgres()
        await infra.start_kafka()
        kafka = infra.kafka
        # what the platform team grants the services' account: no Create anywhere
        for resource, operations in (
            ("--topic", ("Read", "Write", "Describe")),
            ("--group", ("Read", "Describe")),
        ):
            await asyncio.to_thread(
                kafka.acl,
                "--add",
                *("--allow-principal", f"User:{ACCOUNT}"),
                *(arg for op in operations for arg in ("--operation", op)),
                resource,
                "*",
            )
        owner = {
            **os.environ,
            "DATABASE_URL": infra.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,  # the administrator's plain listener
            "ZG_KAFKA_PARTITIONS": json.dumps(PLAN),
            "ZG_KAFKA_REPLICATION_FACTOR": "1",
            "ZG_KAFKA_MIN_INSYNC_REPLICAS": "1",
        }
        # the release's two steps
        server = await asyncpg.connect(to_asyncpg_dsn(infra.database_url))
        try:
            await server.execute(f'CREATE ROLE "{APP_ROLE}" LOGIN')
        finally:
            await server.close()
        await run(
            sys.executable,
            "-m",
            "zg_common.migrate",
            "all",
            env={**owner, "ZG_DB_RUNTIME_ROLE": APP_ROLE},
        )
        await run(sys.executable, "-m", "zg_common.topics", "create", env=owner)

        app_url = infra.database_url.replace(f"://{SUPERUSER}@", f"://{APP_ROLE}@", 1)
        assert APP_ROLE in app_url
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ZG_DATA_DIR")
        }
        env |= {
            "DATABASE_URL": app_url,
            "ZG_MIGRATE_ON_START": "false",
            "KAFKA_BOOTSTRAP_SERVERS": kafka.secured_bootstrap,
            "ZG_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "ZG_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "ZG_KAFKA_SASL_USERNAME": ACCOUNT,
            "ZG_KAFKA_SASL_PASSWORD": PASSWORD,
            "ZG_KAFKA_SSL_CAFILE": str(tls.ca),
            "ZG_KAFKA_CREATE_TOPICS": "false",
            **{name: secrets.token_urlsafe(48) for name in SECRET_FILES},  # shared, as replicas'
            "ZG_SIMULATOR": "off",
            "ZG_ROUTING_VERIFY_PUBLIC_REPORTS": "false",
            "ZG_PATROL_PLAN_TIME_LIMIT_S": "1",
        }
        for replica in replicas:
            replica.start(env)
            await replica.wait_ready()

        # the case loop: reported through one gateway, dispatched, read through the other
        a, b = (r.gateway for r in replicas)
        credentials = json.loads((replicas[0].folder / "demo-credentials.json").read_text())
        password = next(
            x["password"] for x in credentials["accounts"] if x["username"] == "resident"
        )
        points, categories = places_and_categories()
        (lat, lon), category = points[0], categories[0]
        async with httpx.AsyncClient(timeout=20, trust_env=False) as client:
            login = await client.post(
                f"{a}/api/v1/auth/login", json={"username": "resident", "password": password}
            )
            assert login.status_code == 200, login.text
            token = {"Authorization": f"Bearer {login.json()['access_token']}"}
            created = await client.post(
                f"{a}/api/v1/cases",
                json={"category": category, "lat": lat, "lon": lon, "description": "cluster"},
                headers=token,
            )
            assert created.status_code == 201, created.text
            case_id = created.json()["id"]

            async def dispatched() -> dict[str, object] | None:
                read = await client.get(f"{b}/api/v1/cases/{case_id}", headers=token)
                body: dict[str, object] = read.json()
                return body if read.status_code == 200 and body.get("department") else None

            await eventually(dispatched, timeout=90, interval=0.5, what="dispatched")

        # no topic but the plan's, laid out as the plan said
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
        await admin.start()
        try:
            platform = {t for t in await admin.list_topics() if not t.startswith("__")}
            described = {
                t["topic"]: len(t["partitions"]) for t in await admin.describe_topics(list(PLAN))
            }
        finally:
            await admin.close()
        assert platform == set(topics_with_dlq(TOPICS)), platform ^ set(topics_with_dlq(TOPICS))
        assert described == PLAN
    finally:
        for replica in replicas:
            await replica.stop()
        infra.kill()
