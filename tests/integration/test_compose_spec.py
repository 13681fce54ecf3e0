"""deploy/compose.yaml as Docker Compose v2 loads it: the compose specification's schema,
interpolation and the references between services, networks and volumes, by compose-go (the
library Compose is built on) in `.tools/bin/composecheck` (`make composecheck`, from
`deploy/tools/composecheck`). Debian's and PyPI's docker-compose are v1 and would reject the
file; no Docker is needed for this."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

pytestmark = pytest.mark.integration

CHECK = REPO / ".tools" / "bin" / "composecheck"
COMPOSE = REPO / "deploy" / "compose.yaml"
# what a deployment must set (the file refuses to load without them): stand-ins here
REQUIRED = {
    "ZG_IDENTITY_PUBLIC_KEYS": '["stand-in"]',
    "ZG_QR_PUBLIC_KEYS": '["stand-in"]',
    "ZG_IDENTITY_SECRET": "stand-in",
    "ZG_JWT_SECRET": "stand-in",
    "ZG_PATROL_QR_SECRET": "stand-in",
    "ZG_ACCESS_DATA_SECRET": "stand-in",
    "ZG_ACCESS_LOOKUP_SECRET": "another-stand-in",
    "ZG_ACCESS_SMS_HTTP_URL": "https://sms.example/send",
    "ZG_ADMIN_PASSWORD": "a-stand-in-password",
}


def load(path: Path, *profiles: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    assert CHECK.exists(), "the compose checker is not built: `make composecheck`"
    flags = [arg for p in profiles for arg in ("--profile", p)]
    done = subprocess.run(
        [str(CHECK), *flags, str(path)],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), **(REQUIRED if env is None else env)},
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr


def test_compose_loads_with_and_without_the_front_proxy() -> None:
    code, out = load(COMPOSE)
    assert code == 0, out
    platform = {"postgres", "kafka", "intake", "routing", "patrol", "scoring", "video-index"}
    platform |= {"access", "lighting"}
    assert set(out.split()) == platform | {"gateway", "admin", "migrate"}
    code, out = load(COMPOSE, "proxy")
    assert code == 0, out
    assert "proxy" in out.split()


def test_compose_refuses_to_load_without_the_deployment_s_secrets() -> None:
    code, out = load(COMPOSE, env={})
    assert code == 1
    assert "required variable ZG_JWT_SECRET is missing a value" in out


def test_the_checker_refuses_what_the_specification_does(tmp_path: Path) -> None:
    document = yaml.safe_load(COMPOSE.read_text())
    document["services"]["gateway"]["depends_on"]["intake"]["condition"] = "when_it_feels_like_it"
    broken = tmp_path / "compose.yaml"
    broken.write_text(yaml.safe_dump(document))
    code, out = load(broken)
    assert code == 1 and "condition" in out, out
