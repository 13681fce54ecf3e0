"""Authorization as data: the role x operation matrix (policy/operations.json) and the FastAPI
dependency every route declares, so that a route without a rule cannot exist unnoticed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import QueryableAttribute
from starlette.routing import BaseRoute

from zg_common.errors import Forbidden, ServiceUnavailable, Unauthorized
from zg_common.identity import IDENTITY_HEADER, ROLES, Identity, IdentityVerifier

# Infrastructure probes, open by design (load balancers and Prometheus do not log in), and the
# pages that hold no data (the API's docs, the live map's page: it logs in to the API itself).
Column = QueryableAttribute[Any] | ColumnElement[Any]
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/ops"})


@dataclass(frozen=True)
class Operation:
    name: str
    roles: frozenset[str]
    description: str
    # an operation checked inside another's route (what a report may claim), not a route's own
    within: str | None = None


class Policy:
    def __init__(self, document: dict[str, Any]) -> None:
        groups: dict[str, list[str]] = document.get("groups", {})

        def expand(names: list[str]) -> frozenset[str]:
            out: set[str] = set()
            for name in names:
                out |= set(groups[name[1:]]) if name.startswith("@") else {name}
            unknown = out - set(ROLES)
            if unknown:
                raise ValueError(f"unknown roles in the policy: {sorted(unknown)}")
            return frozenset(out)

        self.groups = {name: expand([f"@{name}"]) for name in groups}
        self.operations = {
            name: Operation(
                name, expand(spec["roles"]), spec.get("description", ""), spec.get("within")
            )
            for name, spec in document["operations"].items()
        }

    def allows(self, identity: Identity, operation: str) -> bool:
        """The role may do it, and a partner key's own list allows it. The list narrows what a
        key may do beyond the public, never below it: what anonymous callers may do (the
        category tree, grids, Open311's service list) every key may do too."""
        op = self.operations.get(operation)
        if op is None or identity.role not in op.roles:
            return False
        return (
            identity.operations is None
            or operation in identity.operations
            or "anonymous" in op.roles
        )


@cache
def policy() -> Policy:
    text = resources.files("zg_common").joinpath("policy/operations.json").read_text("utf-8")
    return Policy(json.loads(text))


def command_centre() -> frozenset[str]:
    """The roles of the command centre (the policy's `command_centre` group): they see every
    case, its reporter's contact and the originals of its media."""
    return policy().groups["command_centre"]


@dataclass(frozen=True)
class Scope:
    """Which cases, officers and places a caller may see: the one rule every service applies,
    in Python (`sees`) and in SQL over its own columns (`where`); the live map's stream filters
    with it too.

    The command centre sees everything. Anyone else sees the union of what their claims give:
    department staff and partner keys their departments', officers their grids', and everyone
    signed in what they reported themselves. Empty claims give nothing: an officer with no
    grids sees no grid (never "all grids")."""

    everything: bool = False
    grid_ids: frozenset[str] = frozenset()
    department_ids: frozenset[str] = frozenset()
    reporter: str | None = None  # the caller's sub: the cases it reported

    @classmethod
    def of(cls, caller: Identity) -> Scope:
        if caller.role in command_centre():
            return cls(everything=True)
        grids = caller.grid_ids if caller.role == "officer" else ()
        departments = (
            caller.department_ids if caller.role in ("department_staff", "partner") else ()
        )
        return cls(
            grid_ids=frozenset(grids),
            department_ids=frozenset(departments),
            reporter=None if caller.role == "anonymous" else caller.sub,
        )

    def sees(
        self,
        *,
        grid_id: str | None = None,
        department_id: str | None = None,
        reporter: str | None = None,
    ) -> bool:
        """Whether a thing in this grid, of this department, reported by this sub is visible."""
        return (
            self.everything
            or (grid_id is not None and grid_id in self.grid_ids)
            or (department_id is not None and department_id in self.department_ids)
            or (reporter is not None and reporter == self.reporter)
        )

    def where(
        self,
        *,
        grid: Column | None = None,
        department: Column | None = None,
        reporter: Column | None = None,
    ) -> ColumnElement[bool]:
        """`sees` as a SQL condition over the service's own columns (a dimension the service
        does not hold is left out: it shows nothing through it)."""
        if self.everything:
            return true()
        conditions: list[ColumnElement[bool]] = []
        if grid is not None and self.grid_ids:
            conditions.append(grid.in_(sorted(self.grid_ids)))
        if department is not None and self.department_ids:
            conditions.append(department.in_(sorted(self.department_ids)))
        if reporter is not None and self.reporter is not None:
            conditions.append(reporter == self.reporter)
        return or_(*conditions) if conditions else false()

    def grids(self) -> frozenset[str] | None:
        """For what is placed only by grid (officers, routes): the grids seen, None for all."""
        return None if self.everything else self.grid_ids


def check(identity: Identity, operation: str) -> None:
    """The policy's answer for a caller and an operation: nothing, 401 for an anonymous caller
    (log in), 403 otherwise — the same at the gateway (`RouteOperations`) and in the service."""
    if policy().allows(identity, operation):
        return
    if identity.role == "anonymous":
        raise Unauthorized(
            f"Log in or present an API key to {operation}",
            code="authentication_required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise Forbidden(
        f"A caller with role {identity.role!r} may not {operation}", code="operation_forbidden"
    )


class Authorize:
    """Dependency: verify the gateway-signed identity, then check the operation's roles."""

    def __init__(self, operation: str) -> None:
        self.operation = operation

    async def __call__(self, request: Request) -> Identity:
        identity = await self.identify(request)
        check(identity, self.operation)
        return identity

    @staticmethod
    async def identify(request: Request) -> Identity:
        # The gateway authenticates credentials itself (it sets `authenticate`); a service
        # verifies the identity the gateway signed.
        authenticate = getattr(request.app.state, "authenticate", None)
        if authenticate is not None:
            identity: Identity = await authenticate(request)
            return identity
        verifier: IdentityVerifier | None = getattr(request.app.state, "identity_verifier", None)
        if verifier is None:
            raise ServiceUnavailable(
                "Identity verification is not configured (ZG_IDENTITY_PUBLIC_KEYS)"
            )
        return verifier.verify(
            request.headers.get(IDENTITY_HEADER), method=request.method, path=request.url.path
        )


def require(operation: str) -> Any:
    """`caller: Annotated[Identity, require("cases.create")]`, first in the route's signature so
    that it runs before anything else (a refused caller never reaches the database)."""
    return Depends(Authorize(operation))


def api_routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute of an app with its full path, through included routers as well (FastAPI
    keeps those as nested routers, not as flattened routes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
            continue
        nested = getattr(route, "original_router", None)
        context = getattr(route, "include_context", None)
        if nested is not None:
            yield from api_routes(nested.routes, prefix + getattr(context, "prefix", ""))


def declared_operations(route: APIRoute) -> list[str]:
    """The operations a route's Authorize dependencies name (exactly one, by convention)."""
    return [d.call.operation for d in route.dependant.dependencies if isinstance(d.call, Authorize)]


# Every route of every service with its operation, as data (`policy/routes.json`, written by
# `make policy` from the services' own routes; a unit test keeps it equal to them): so that
# the gateway refuses a forbidden call before it reaches a service.
PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\}")
CONVERTERS = {None: "[^/]+", "str": "[^/]+", "path": ".*", "int": "[0-9]+", "float": "[0-9.]+"}


def _pattern(template: str) -> re.Pattern[str]:
    """A route template as Starlette matches it."""
    out, at = [], 0
    for found in PARAM.finditer(template):
        out.append(re.escape(template[at : found.start()]))
        out.append(f"(?:{CONVERTERS.get(found.group(2), '[^/]+')})")
        at = found.end()
    out.append(re.escape(template[at:]))
    return re.compile("^" + "".join(out) + "$")


class RouteOperations:
    """Which operation a (method, path) of a service calls, matched as the service's router
    would: the first route, in the service's own order, whose path and method match."""

    def __init__(self, document: dict[str, list[list[str]]]) -> None:
        self.routes = {
            service: [(method, _pattern(template), op) for method, template, op in routes]
            for service, routes in document.items()
        }

    def operation(self, service: str, method: str, path: str) -> str | None:
        for route_method, pattern, op in self.routes.get(service, ()):
            if route_method == method and pattern.match(path):
                return op
        return None  # no such route: the service answers 404 or 405 itself


@cache
def route_operations() -> RouteOperations:
    text = resources.files("zg_common").joinpath("policy/routes.json").read_text("utf-8")
    return RouteOperations(json.loads(text))
