"""Where local state lives and which ports the local platform uses (all overridable by env)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from zg_common.identity import IdentitySigner
from zg_common.pointcodes import Signer
from zg_common.settings import find_repo_root
from zg_local.procs import local_secret

REPO_ROOT = find_repo_root(Path(__file__)) or Path.cwd()
KAFKA_POM = REPO_ROOT / "deploy" / "local" / "kafka" / "pom.xml"


# the platform's secrets (kept under the data folder unless set in the environment), and the
# processes that hold each: the gateway signs identities and tokens, patrol signs point codes
SECRET_FILES = {
    "ZG_IDENTITY_SECRET": "identity.key",
    "ZG_JWT_SECRET": "jwt.key",
    "ZG_PATROL_QR_SECRET": "patrol-qr.key",
    "ZG_ACCESS_DATA_SECRET": "access-data.key",
    "ZG_ACCESS_LOOKUP_SECRET": "access-lookup.key",
}
SECRET_HOLDERS = {
    "ZG_IDENTITY_SECRET": {"gateway"},
    "ZG_JWT_SECRET": {"gateway"},
    "ZG_PATROL_QR_SECRET": {"patrol"},
    # residents' personal data: encrypted with one, ID numbers hashed for lookup with the other
    "ZG_ACCESS_DATA_SECRET": {"access"},
    "ZG_ACCESS_LOOKUP_SECRET": {"access"},
}


def _port(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        port = int(value)
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise SystemExit(f"{name}={port} is not a port number (1-65535)")
    return port


@dataclass(frozen=True)
class ServiceProcess:
    name: str
    module: str  # "package.main:create_app"
    port: int
    env_prefix: str


@dataclass(frozen=True)
class LocalConfig:
    data_dir: Path
    pg_port: int
    kafka_port: int
    kafka_controller_port: int
    gateway_port: int
    kafka_libs: Path
    services: tuple[ServiceProcess, ...] = field(default=())
    database: str = "zongguan"

    @classmethod
    def from_env(cls, *, data_dir: Path | None = None, port_offset: int = 0) -> LocalConfig:
        def p(name: str, default: int) -> int:
            port = _port(name, default + port_offset)
            if not 1 <= port <= 65535:
                raise SystemExit(
                    f"{name}: {default} + offset {port_offset} = {port} is not a port number"
                )
            return port

        services = (
            ServiceProcess(
                "intake", "zg_intake.main:create_app", p("ZG_INTAKE_HTTP_PORT", 8001), "ZG_INTAKE_"
            ),
            ServiceProcess(
                "routing",
                "zg_routing.main:create_app",
                p("ZG_ROUTING_HTTP_PORT", 8002),
                "ZG_ROUTING_",
            ),
            ServiceProcess(
                "patrol", "zg_patrol.main:create_app", p("ZG_PATROL_HTTP_PORT", 8003), "ZG_PATROL_"
            ),
            ServiceProcess(
                "scoring",
                "zg_scoring.main:create_app",
                p("ZG_SCORING_HTTP_PORT", 8004),
                "ZG_SCORING_",
            ),
            ServiceProcess(
                "video-index",
                "zg_video_index.main:create_app",
                p("ZG_VIDEO_INDEX_HTTP_PORT", 8005),
                "ZG_VIDEO_INDEX_",
            ),
            ServiceProcess(
                "access",
                "zg_access.main:create_app",
                p("ZG_ACCESS_HTTP_PORT", 8006),
                "ZG_ACCESS_",
            ),
            ServiceProcess(
                "lighting",
                "zg_lighting.main:create_app",
                p("ZG_LIGHTING_HTTP_PORT", 8007),
                "ZG_LIGHTING_",
            ),
        )
        return cls(
            data_dir=(
                data_dir or Path(os.environ.get("ZG_DATA_DIR", REPO_ROOT / ".data"))
            ).resolve(),
            # below 32768: outside Linux's ephemeral range, so no client socket can hold it
            pg_port=p("ZG_PG_PORT", 15432),
            kafka_port=p("ZG_KAFKA_PORT", 19092),
            kafka_controller_port=p("ZG_KAFKA_CONTROLLER_PORT", 19093),
            gateway_port=p("ZG_GATEWAY_HTTP_PORT", 8000),
            # shared by the dev and test data folders: one download per Kafka version
            kafka_libs=Path(
                os.environ.get("ZG_KAFKA_LIBS_DIR", REPO_ROOT / ".data" / "kafka-libs")
            ),
            services=services,
            database=os.environ.get("ZG_DATABASE_NAME", "zongguan"),
        )

    def service_env(self, database_url: str, bootstrap: str, process: str) -> dict[str, str]:
        """The environment of one process of the platform: only the secrets it uses (the
        gateway signs identities and tokens, patrol signs point codes; the others verify with
        public keys), ports, the upstreams."""
        secrets = {
            name: local_secret(self.data_dir, name, file) for name, file in SECRET_FILES.items()
        }
        env = {k: v for k, v in os.environ.items() if k not in SECRET_FILES}
        env.update({k: v for k, v in secrets.items() if process in SECRET_HOLDERS[k]})
        env.update(
            {
                # what the services verify the gateway's identity header with, and intake
                # residents' scanned codes (the public keys of the secrets above)
                "ZG_IDENTITY_PUBLIC_KEYS": os.environ.get(
                    "ZG_IDENTITY_PUBLIC_KEYS",
                    json.dumps([IdentitySigner(secrets["ZG_IDENTITY_SECRET"]).public_key]),
                ),
                "ZG_QR_PUBLIC_KEYS": os.environ.get(
                    "ZG_QR_PUBLIC_KEYS",
                    json.dumps([Signer(secrets["ZG_PATROL_QR_SECRET"]).public_key]),
                ),
                "ZG_GATEWAY_DEMO_CREDENTIALS_FILE": str(self.data_dir / "demo-credentials.json"),
                # uploaded photos and videos, unless an S3 endpoint is configured
                "ZG_INTAKE_MEDIA_ROOT": os.environ.get(
                    "ZG_INTAKE_MEDIA_ROOT", str(self.data_dir / "media")
                ),
                # webhooks to a receiver on this machine (a partner's test endpoint); the
                # internet stays open unless ZG_INTAKE_WEBHOOK_PUBLIC=false
                "ZG_INTAKE_WEBHOOK_ALLOWED_NETWORKS": os.environ.get(
                    "ZG_INTAKE_WEBHOOK_ALLOWED_NETWORKS", '["127.0.0.0/8", "::1/128"]'
                ),
                # everyone on this machine shares one address (the simulator's officers, the
                # tests, a developer's browser): logins and refused credentials from it are
                # not held to one phone's limits; a username's backoff still holds
                "ZG_GATEWAY_RATE_LIMIT_LOGIN_IP_PER_MINUTE": os.environ.get(
                    "ZG_GATEWAY_RATE_LIMIT_LOGIN_IP_PER_MINUTE", "1000"
                ),
                "ZG_GATEWAY_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE": os.environ.get(
                    "ZG_GATEWAY_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE", "1000"
                ),
                # the platform's address as callers reach it (Open311's discovery)
                "ZG_PUBLIC_URL": os.environ.get(
                    "ZG_PUBLIC_URL", f"http://127.0.0.1:{self.gateway_port}"
                ),
                "DATABASE_URL": database_url,
                "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "ZG_LOG_FORMAT": "json",
                "PYTHONUNBUFFERED": "1",
            }
        )
        for svc in self.services:
            env[f"{svc.env_prefix}HTTP_PORT"] = str(svc.port)
        env["ZG_GATEWAY_HTTP_PORT"] = str(self.gateway_port)
        env["ZG_GATEWAY_SERVICE_URLS"] = json.dumps(
            {svc.name: f"http://127.0.0.1:{svc.port}" for svc in self.services}
        )
        return env
