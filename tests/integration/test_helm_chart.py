"""The Helm chart (`deploy/helm/zongguan`) rendered by Helm itself (`make helm` builds it from
the Go module proxy into `.tools/`) and every Kubernetes object validated offline against the
API's schemas (`kubernetes-validate`); the Prometheus operator's kinds (ServiceMonitor,
PrometheusRule) are not in those schemas and are checked here by hand (their alert rules are
the ones `tests/unit/test_deploy_files.py` checks). What a platform team relies on is asserted
too: probes, resources, autoscalers and budgets per process, the release's jobs as hooks,
secrets only by reference, and the network policies' shape."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.conftest import REPO

pytestmark = pytest.mark.integration

CHART = REPO / "deploy" / "helm" / "zongguan"
PROCESSES = {
    "gateway",
    "intake",
    "routing",
    "patrol",
    "scoring",
    "video-index",
    "access",
    "lighting",
}
K8S_VERSION = "1.30.0"
OPERATOR_KINDS = {"ServiceMonitor", "PrometheusRule"}


def helm() -> Path:
    found = sorted((REPO / ".tools").glob("helm-v*/helm"))
    assert found, "helm is not built: `make helm`"
    return found[-1]


def render(*flags: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(helm()), "template", "zg", str(CHART), *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def test_the_chart_lints_and_every_object_is_valid_kubernetes() -> None:
    lint = subprocess.run([str(helm()), "lint", str(CHART)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # the variants a deployment chooses render valid objects too: the system's CAs, no topic
    # job, no Prometheus operator, an OIDC provider
    variant = ["--set", "kafka.caSecret=", "--set", "kafka.topicsJob.enabled=false"]
    variant += ["--set", "monitoring.serviceMonitor=false,monitoring.prometheusRules=false"]
    variant += [
        "--set",
        "gateway.oidc.issuer=https://id.example.org,gateway.oidc.cidr=192.0.2.0/24",
    ]
    for o in render(*variant):
        kubernetes_validate.validate(o, K8S_VERSION, strict=True)
    objects = render()
    assert {o["kind"] for o in objects} >= {
        "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Job",
        "NetworkPolicy", "ServiceMonitor", "PrometheusRule",
    }  # fmt: skip
    for o in objects:
        if o["kind"] in OPERATOR_KINDS:
            assert o["apiVersion"] == "monitoring.coreos.com/v1"
            continue
        kubernetes_validate.validate(o, K8S_VERSION, strict=True)  # raises on any error
    assert not by_kind(objects, "Secret"), "secrets are referenced, never rendered"


def test_every_process_is_probed_sized_scaled_and_budgeted() -> None:
    objects = render()
    deployments = by_kind(objects, "Deployment")
    assert set(deployments) == {f"zg-{p}" for p in PROCESSES}
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["resources"]["requests"] and container["resources"]["limits"], name
        assert pod["securityContext"]["runAsNonRoot"] is True
        env = {e["name"]: e for e in container["env"]}
        assert env["ZG_MIGRATE_ON_START"]["value"] == "false", name  # the migrate job does it
        assert env["ZG_KAFKA_CREATE_TOPICS"]["value"] == "false", name
        assert "secretKeyRef" in env["DATABASE_URL"]["valueFrom"], name
        holds = {
            n for n in ("ZG_IDENTITY_SECRET", "ZG_JWT_SECRET", "ZG_PATROL_QR_SECRET") if n in env
        }
        expected = {
            "zg-gateway": {"ZG_IDENTITY_SECRET", "ZG_JWT_SECRET"},
            "zg-patrol": {"ZG_PATROL_QR_SECRET"},
        }
        assert holds == expected.get(name, set()), f"{name} gets only the secrets it uses"
    assert set(by_kind(objects, "HorizontalPodAutoscaler")) == set(deployments)
    assert set(by_kind(objects, "PodDisruptionBudget")) == set(deployments)
    jobs = by_kind(objects, "Job")
    assert jobs["zg-migrate"]["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "python", "-m", "zg_common.migrate", "all",
    ]  # fmt: skip
    for job in jobs.values():
        assert "pre-install" in job["metadata"]["annotations"]["helm.sh/hook"]


def test_only_the_gateway_is_reached_from_outside() -> None:
    policies = by_kind(render(), "NetworkPolicy")
    gateway_from = policies["zg-gateway"]["spec"]["ingress"][0]["from"]
    assert gateway_from[0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "ingress-nginx"
    }
    for name in PROCESSES - {"gateway"}:
        source = policies[f"zg-{name}"]["spec"]["ingress"][0]["from"][0]
        assert source["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "gateway", name
        metrics = policies[f"zg-{name}"]["spec"]["ingress"][1]
        assert metrics["ports"] == [{"port": 9100, "protocol": "TCP"}], name
    assert not by_kind(render("--set", "networkPolicy.enabled=false"), "NetworkPolicy")


def test_the_chart_carries_the_repository_s_alert_rules() -> None:
    rules = by_kind(render(), "PrometheusRule")["zg"]["spec"]
    assert rules == yaml.safe_load((REPO / "deploy" / "prometheus" / "alerts.yaml").read_text())
    assert (CHART / "files" / "alerts.yaml").read_text() == (
        REPO / "deploy" / "prometheus" / "alerts.yaml"
    ).read_text(), "the chart's copy is the repository's rules"
