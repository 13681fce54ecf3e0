"""The Grafana dashboards provisioned from deploy/grafana: every query reads a metric a process
exports or a path of the platform's API, through a data source the provisioning defines."""

from __future__ import annotations

import importlib
import json
import re

import yaml
from prometheus_client import REGISTRY

from tests.conftest import REPO

GRAFANA = REPO / "deploy" / "grafana"


def test_every_panel_reads_what_the_platform_exports() -> None:
    modules = ["zg_common.http", "zg_common.outbox", "zg_common.consumer", "zg_common.redrive"]
    modules += ["zg_gateway.ratelimit", "zg_routing.deadlines", "zg_common.heap"]
    modules += ["zg_common.loopwatch", "zg_intake.webhook_worker"]
    for module in modules:
        importlib.import_module(module)
    exported: set[str] = set()
    for metric in REGISTRY.collect():
        exported |= {metric.name + s for s in ("", "_total", "_bucket", "_count", "_sum")}
    provisioned = yaml.safe_load((GRAFANA / "provisioning/datasources/zongguan.yaml").read_text())
    sources = {d["uid"]: d["type"] for d in provisioned["datasources"]}
    routes = json.loads((REPO / "libs/common/src/zg_common/policy/routes.json").read_text())
    paths = json.dumps(routes)
    dashboards = sorted((GRAFANA / "dashboards").glob("*.json"))
    assert {d.stem for d in dashboards} == {"operations", "managers"}
    for path in dashboards:
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"].startswith("zg-") and dashboard["panels"], path.name
        for panel in dashboard["panels"]:
            source = panel["datasource"]
            assert sources.get(source["uid"]) == source["type"], (path.name, panel["title"])
            for target in panel["targets"]:
                if source["type"] == "prometheus":
                    named = set(re.findall(r"\bzg_[a-z_]+", target["expr"]))
                    assert named and named <= exported, (panel["title"], named - exported)
                else:
                    assert target["url"] in paths, (panel["title"], target["url"])
