"""Write `zg_common/policy/routes.json`: every route of every service behind the gateway, in the
service's own order, with the operation it declares — what the gateway checks before it
forwards a call (`zg_common.authz.RouteOperations`). `make policy` runs it; a unit test keeps
the committed file equal to the routes."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import FastAPI

from zg_access.main import create_app as access_app
from zg_common.authz import api_routes, declared_operations
from zg_intake.main import create_app as intake_app
from zg_lighting.main import create_app as lighting_app
from zg_patrol.main import create_app as patrol_app
from zg_routing.main import create_app as routing_app
from zg_scoring.main import create_app as scoring_app
from zg_video_index.main import create_app as video_index_app

SERVICES: dict[str, Callable[[], FastAPI]] = {
    "intake": intake_app,
    "routing": routing_app,
    "patrol": patrol_app,
    "scoring": scoring_app,
    "video-index": video_index_app,
    "access": access_app,
    "lighting": lighting_app,
}


def document() -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for name, create in SERVICES.items():
        rows: list[list[str]] = []
        for path, route in api_routes(create().routes):
            operations = declared_operations(route)
            if operations:  # the open paths (probes, docs) declare none
                rows.extend([method, path, operations[0]] for method in sorted(route.methods or ()))
        out[name] = rows
    return out


def render() -> str:
    rows = {
        service: "[\n" + ",\n".join("  " + json.dumps(r) for r in routes) + "\n ]"
        for service, routes in document().items()
    }
    return "{\n" + ",\n".join(f" {json.dumps(s)}: {r}" for s, r in rows.items()) + "\n}\n"


if __name__ == "__main__":
    print(render(), end="")
