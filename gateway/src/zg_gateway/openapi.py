"""One OpenAPI document for the whole platform, merged from every service's own."""

from __future__ import annotations

import asyncio
import copy
import re
import time
from typing import Any

from zg_common import open311
from zg_gateway.proxy import Upstreams
from zg_gateway.routes import owner_of


class MergedOpenAPI:
    def __init__(self, upstreams: Upstreams, *, title: str, version: str, cache_s: float) -> None:
        self.upstreams = upstreams
        self.service_urls = upstreams.service_urls
        self.title = title
        self.version = version
        self.cache_s = cache_s
        self._cached: tuple[float, dict[str, Any]] | None = None

    async def document(self) -> dict[str, Any]:
        if self._cached and time.monotonic() - self._cached[0] < self.cache_s:
            return self._cached[1]
        names = list(self.service_urls)
        results = await asyncio.gather(*(self._fetch(n) for n in names), return_exceptions=True)
        doc: dict[str, Any] = {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version, "description": ""},
            "paths": {},
            "components": {"schemas": {}},
            "tags": [],
        }
        missing, services = [], []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException):
                missing.append(name)
                continue
            self._merge(doc, name, result)
            services.append(f"- **{name}**: {result.get('info', {}).get('description', '')}")
        doc["info"]["description"] = (
            "Zongguan (综管): one dispatch-and-command platform for grid-based urban management. "
            "Every error is application/problem+json (RFC 9457) with a stable `code`.\n\n"
            + "\n".join(services)
            + (f"\n\nNot shown, unreachable right now: {', '.join(missing)}." if missing else "")
        )
        if not missing:
            self._cached = (time.monotonic(), doc)
        return doc

    async def _fetch(self, name: str) -> dict[str, Any]:
        status, body = await self.upstreams.get(
            name, "/openapi.json", timeout=self.upstreams.timeout
        )
        if status != 200 or not isinstance(body, dict):
            raise RuntimeError(f"{name} answered {status} for its OpenAPI document")
        return body

    @staticmethod
    def _merge(doc: dict[str, Any], service: str, spec: dict[str, Any]) -> None:
        schemas = doc["components"]["schemas"]
        renames: dict[str, str] = {}
        for key, schema in spec.get("components", {}).get("schemas", {}).items():
            if key in schemas and schemas[key] != schema:
                renames[key] = f"{service}_{key}"
            schemas[renames.get(key, key)] = schema
        paths = spec.get("paths", {})
        if renames:
            paths = _rename_refs(copy.deepcopy(paths), renames)
        for path, item in paths.items():
            # only what the gateway actually forwards to this service
            if owner_of(path) == service:
                doc["paths"][path] = item
        readable_ids(doc["paths"], service, [p for p in paths if owner_of(p) == service])
        # the operations' own tags, each once, in the order met: Swagger UI groups by them (a
        # tag per service, matching no operation, left empty sections and, with the whole
        # platform's 103 paths, stopped Swagger UI drawing after the second section)
        listed = {t["name"] for t in doc["tags"]}
        for path in paths:
            if owner_of(path) != service:
                continue
            for operation in paths[path].values():
                for tag in operation.get("tags", []) if isinstance(operation, dict) else []:
                    if tag not in listed:
                        listed.add(tag)
                        doc["tags"].append({"name": tag, "description": f"({service})"})


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name in renames:
                node["$ref"] = "#/components/schemas/" + renames[name]
        for value in node.values():
            _rename_refs(value, renames)
    elif isinstance(node, list):
        for value in node:
            _rename_refs(value, renames)
    return node


METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "an access token from POST /api/v1/auth/login",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "a partner system's key",
    },
    "open311ApiKey": {
        "type": "apiKey",
        "in": "query",
        "name": "api_key",
        "description": "Open311 clients only (GeoReport v2 sends the key as a parameter)",
    },
}


def readable_ids(paths: dict[str, Any], service: str, owned: list[str]) -> None:
    """`<service>.<function>` operation ids (FastAPI's own are `<function>_<path>_<method>`),
    so that generated clients read `intake.read_case`; a clash gets the method appended."""
    taken = {
        op.get("operationId")
        for path, item in paths.items()
        if path not in owned
        for method, op in item.items()
        if method in METHODS and isinstance(op, dict)
    }
    for path in owned:
        for method, op in paths[path].items():
            if method not in METHODS or not isinstance(op, dict):
                continue
            original = str(op.get("operationId", ""))
            suffix = re.sub(r"\W", "_", f"{path}_{method}")
            name = original[: -len(suffix)] if original.endswith(suffix) else original
            readable = f"{service}.{name or method}"
            if readable in taken:
                readable = f"{readable}_{method}"
            op["operationId"] = readable
            taken.add(readable)


def describe_security(doc: dict[str, Any]) -> dict[str, Any]:
    """The callers' credentials as security schemes (Swagger UI's Authorize button): a bearer
    token or a partner's key, or none where anonymous callers may call; Open311's key as a
    parameter on its paths only."""
    doc.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    doc["security"] = [{"bearer": []}, {"apiKey": []}, {}]
    for path, item in doc.get("paths", {}).items():
        if open311.is_open311(path):
            for method, op in item.items():
                if method in METHODS and isinstance(op, dict):
                    op["security"] = [{"open311ApiKey": []}, {}]
    return doc
