"""The Docker path cannot run here (no engine), so its files are checked for consistency with
what `make run` starts: the same services, modules, ports and settings."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from tests.conftest import REPO
from zg_local.config import LocalConfig

COMPOSE = REPO / "deploy" / "compose.yaml"
DOCKERFILE = REPO / "deploy" / "docker" / "python.Dockerfile"


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def test_compose_runs_every_service_as_make_run_does() -> None:
    services = compose()["services"]
    cfg = LocalConfig.from_env()
    gateway_urls = json.loads(services["gateway"]["environment"]["ZG_GATEWAY_SERVICE_URLS"])
    for svc in cfg.services:
        command = services[svc.name]["command"]
        assert svc.module in command, svc.name
        port = int(command[command.index("--port") + 1])
        assert gateway_urls[svc.name] == f"http://{svc.name}:{port}"
    assert "zg_gateway.main:create_app" in services["gateway"]["command"]
    assert services["gateway"]["ports"] == ["8000:8000"]


SECRET_HOLDERS = {
    "ZG_IDENTITY_SECRET": {"gateway"},
    "ZG_JWT_SECRET": {"gateway"},
    "ZG_PATROL_QR_SECRET": {"patrol"},
    "ZG_ACCESS_DATA_SECRET": {"access"},
    "ZG_ACCESS_LOOKUP_SECRET": {"access"},
}


def test_compose_gives_each_process_only_the_secrets_it_uses() -> None:
    from zg_local.config import SECRET_HOLDERS as LOCAL

    assert LOCAL == SECRET_HOLDERS, "make run and compose give out the same secrets"
    services = compose()["services"]
    processes = ("intake", "routing", "patrol", "scoring", "video-index", "access", "lighting")
    for name in (*processes, "gateway"):
        env = services[name]["environment"]
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
        for public in ("ZG_IDENTITY_PUBLIC_KEYS", "ZG_QR_PUBLIC_KEYS"):
            assert re.fullmatch(r"\$\{" + public + r":\?[^}]+\}", env[public]), (name, public)
        for secret, holders in SECRET_HOLDERS.items():
            if name in holders:
                assert re.fullmatch(r"\$\{" + secret + r":\?[^}]+\}", env[secret]), name
            else:
                assert secret not in env, f"{name} does not use {secret}"


def test_the_brokers_data_is_on_its_volume() -> None:
    kafka = compose()["services"]["kafka"]
    log_dirs = kafka["environment"]["KAFKA_LOG_DIRS"]
    mounted = {v.split(":")[1] for v in kafka["volumes"]}
    assert log_dirs in mounted, "unset, the image writes to /tmp and loses the topics"


def test_compose_passes_the_kafka_cluster_settings_make_run_reads() -> None:
    from zg_common.settings import CommonSettings

    env = compose()["services"]["intake"]["environment"]
    names = set(CommonSettings().kafka_environment())
    passed = {n for n in env if n.startswith(("ZG_KAFKA_", "KAFKA_"))}
    optional = {"ZG_KAFKA_SSL_CAFILE", "ZG_KAFKA_SSL_CERTFILE", "ZG_KAFKA_SSL_KEYFILE"}
    optional |= {"ZG_KAFKA_MIN_INSYNC_REPLICAS", "ZG_KAFKA_TOPIC_PARTITIONS", "ZG_KAFKA_PARTITIONS"}
    assert names - optional <= passed, names - optional - passed


def test_testcontainers_run_the_broker_compose_runs() -> None:
    from tests.conftest import kafka_container_spec

    image, env = kafka_container_spec(39092)
    assert image == compose()["services"]["kafka"]["image"]
    assert image.startswith("apache/kafka:"), "Apache Kafka, as make run runs"
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://127.0.0.1:39092"
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_every_process_is_checked_and_the_gateway_waits_for_the_services() -> None:
    services = compose()["services"]
    cfg = LocalConfig.from_env()
    assert 'CMD ["python", "-m", "zg_common.probe"]' in DOCKERFILE.read_text()
    waits = services["gateway"]["depends_on"]
    for svc in cfg.services:
        command = services[svc.name]["command"]
        port = command[command.index("--port") + 1]
        url = services[svc.name]["environment"]["ZG_PROBE_URL"]
        assert url == f"http://127.0.0.1:{port}/readyz", svc.name
        assert waits[svc.name] == {"condition": "service_healthy"}, svc.name
    assert {"postgres", "kafka"} <= set(waits)


def test_compose_makes_the_first_administrator_at_every_start() -> None:
    admin = compose()["services"]["admin"]
    assert admin["command"][:4] == ["python", "-m", "zg_gateway", "create-admin"]
    assert "--exists-ok" in admin["command"]
    assert admin["environment"]["ZG_ADMIN_PASSWORD"].startswith("${ZG_ADMIN_PASSWORD:?")
    assert admin["restart"] == "no"


def test_the_metrics_are_not_on_the_public_port() -> None:
    services = compose()["services"]
    for name in ("intake", "routing", "patrol", "scoring", "video-index", "gateway"):
        assert services[name]["environment"]["ZG_METRICS_PORT"] == "9100", name
        assert not any("9100" in p for p in services[name].get("ports", [])), name


def test_the_gateway_trusts_forwarded_addresses_from_the_front_proxy_only() -> None:
    services = compose()["services"]
    proxy, gateway = services["proxy"], services["gateway"]
    address = proxy["networks"]["edge"]["ipv4_address"]
    trusted = json.loads(gateway["environment"]["ZG_GATEWAY_TRUSTED_PROXIES"])
    assert trusted == [f"{address}/32"], "the proxy's address, not the network's"
    assert "--no-proxy-headers" in gateway["command"]  # uvicorn's own trust stays off
    for mount in proxy["volumes"]:
        source = mount.split(":")[0]
        assert (COMPOSE.parent / source).exists(), source
    assert proxy["profiles"] == ["proxy"]


def test_the_release_migrates_and_the_services_use_rows_only() -> None:
    services = compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "-m", "zg_common.migrate", "all"]
    assert migrate["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://zongguan:")
    assert migrate["environment"]["ZG_DB_RUNTIME_ROLE"] == "zongguan_app"
    assert "migrate" not in migrate["depends_on"]
    for name in ("intake", "routing", "patrol", "scoring", "video-index", "gateway", "admin"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://zongguan_app:"), name
        assert env["ZG_MIGRATE_ON_START"] == "false", name
    for name in ("intake", "routing", "patrol", "scoring", "video-index", "admin"):
        waits = services[name]["depends_on"]["migrate"]
        assert waits == {"condition": "service_completed_successfully"}, name
    init = services["postgres"]["volumes"][1].split(":")[0]
    assert "CREATE ROLE zongguan_app" in (COMPOSE.parent / init).read_text()


def test_dockerfile_copies_what_exists() -> None:
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            source = line.split()[1]
            assert (REPO / source).exists(), source


def test_a_crashed_service_is_restarted_sooner_first_then_at_most_every_minute() -> None:
    from zg_local.supervisor import restart_delay

    assert [restart_delay(n) for n in range(7)] == [2, 4, 8, 16, 32, 60, 60]


def test_kraft_cluster_ids_never_look_like_an_option() -> None:
    from zg_local.kafka import new_cluster_id

    ids = [new_cluster_id() for _ in range(5000)]  # about 78 would start with '-' unguarded
    assert not any(i.startswith("-") for i in ids)
    assert all(len(i) == 22 for i in ids) and len(set(ids)) == len(ids)


def test_every_alert_rule_reads_a_metric_the_platform_exports() -> None:
    """deploy/prometheus/alerts.yaml: well formed, each rule explained, and every metric it
    names exported by some process (a renamed metric would silence its alert)."""
    import importlib

    from prometheus_client import REGISTRY

    for module in ("zg_common.http", "zg_common.outbox", "zg_common.consumer",
                   "zg_common.redrive", "zg_gateway.ratelimit",
                   "zg_routing.deadlines"):  # fmt: skip
        importlib.import_module(module)
    exported: set[str] = set()
    for metric in REGISTRY.collect():
        exported |= {metric.name, f"{metric.name}_total", f"{metric.name}_bucket"}
    document = yaml.safe_load((REPO / "deploy" / "prometheus" / "alerts.yaml").read_text())
    rules = [rule for group in document["groups"] for rule in group["rules"]]
    assert {r["alert"] for r in rules} >= {
        "DeadLettersWaiting",
        "OutboxBacklog",
        "ConsumerLagging",
        "SlaOverdueSurge",
        "ServerErrors",
    }
    for rule in rules:
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule
        assert rule["labels"]["severity"] in ("warning", "critical"), rule
        named = set(re.findall(r"\bzg_[a-z_]+", rule["expr"]))
        assert named and named <= exported, (rule["alert"], named - exported)
