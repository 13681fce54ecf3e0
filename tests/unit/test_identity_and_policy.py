"""The signed identity and the role x operation policy, derived from the routes themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests import policy_routes
from tests.conftest import REPO
from tests.helpers import PROXY_PATHS, sample_path
from zg_access.main import create_app as access_app
from zg_common.authz import (
    OPEN_PATHS,
    api_routes,
    check,
    declared_operations,
    policy,
    route_operations,
)
from zg_common.errors import Forbidden, Unauthorized
from zg_common.identity import ANONYMOUS, ROLES, Identity, IdentitySigner, IdentityVerifier
from zg_common.open311 import is_open311
from zg_gateway.main import create_app as gateway_app
from zg_intake.main import create_app as intake_app
from zg_lighting.main import create_app as lighting_app
from zg_patrol.main import create_app as patrol_app
from zg_routing.main import create_app as routing_app
from zg_scoring.main import create_app as scoring_app
from zg_video_index.main import create_app as video_index_app

SECRET = "unit-test-secret"


SIGNER = IdentitySigner(SECRET)
PATROL = IdentityVerifier([SIGNER.public_key], audience="patrol")
WHO = Identity(sub="u1", role="department_staff", department_ids=("roads-contractor",))


def signed(
    who: Identity = WHO,
    *,
    signer: IdentitySigner = SIGNER,
    audience: str = "patrol",
    method: str = "GET",
    path: str = "/api/v1/officers",
    now: float | None = None,
) -> str:
    return signer.sign(who, audience=audience, method=method, path=path, now=now)


def test_signed_identity_round_trips() -> None:
    assert PATROL.verify(signed(), method="GET", path="/api/v1/officers") == WHO


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "identity_missing"),
        ("", "identity_missing"),
        ("garbage", "identity_invalid"),
        ("v1.e30.AAAA", "identity_invalid"),
        ("v2.e30.AAAA", "identity_invalid"),
        ({"signer": IdentitySigner("another-secret")}, "identity_invalid"),
        ({"now": 1_000_000}, "identity_expired"),
        ({"audience": "scoring"}, "identity_invalid"),
        ({"method": "POST"}, "identity_invalid"),
        ({"path": "/api/v1/grids"}, "identity_invalid"),
    ],
)
def test_bad_identity_headers_are_refused(header: str | dict[str, Any] | None, code: str) -> None:
    """(A header is signed when the test runs, not when the tests are collected: it lives
    30 s.)"""
    if isinstance(header, dict):
        header = signed(**header)
    with pytest.raises(Unauthorized) as caught:
        PATROL.verify(header, method="GET", path="/api/v1/officers")
    assert caught.value.instance_code == code


def test_a_tampered_identity_fails_its_signature() -> None:
    version, _, signature = signed(ANONYMOUS).split(".")
    admin = signed(Identity(sub="anonymous", role="admin")).split(".")[1]
    with pytest.raises(Unauthorized):
        PATROL.verify(f"{version}.{admin}.{signature}", method="GET", path="/api/v1/officers")


def test_a_service_holds_no_key_that_signs() -> None:
    """The services' setting is the public key: it verifies, it cannot be used to sign."""
    public = SIGNER.public_key
    assert len(public) == 43 and public != SECRET
    assert IdentitySigner(public).public_key != public


SERVICE_NAMES = {
    "Zongguan intake": "intake",
    "Zongguan routing": "routing",
    "Zongguan patrol": "patrol",
    "Zongguan scoring": "scoring",
    "Zongguan video index": "video-index",
    "Zongguan smart access": "access",
    "Zongguan street lights": "lighting",
    "Zongguan gateway": "gateway",
}


def service_apps() -> Iterator[FastAPI]:
    apps: tuple[Callable[[], FastAPI], ...] = (intake_app, routing_app, patrol_app, scoring_app)
    apps += (video_index_app, access_app, lighting_app)
    for create in (*apps, gateway_app):
        app = create()
        name = SERVICE_NAMES[app.title]
        app.state.identity_verifier = IdentityVerifier([SIGNER.public_key], audience=name)
        yield app


ROUTES = [
    (app, path, route)
    for app in service_apps()
    for path, route in api_routes(app.routes)
    if path not in OPEN_PATHS and path not in PROXY_PATHS
]


def route_id(item: tuple[FastAPI, str, APIRoute]) -> str:
    app, path, route = item
    return f"{app.title}:{','.join(sorted(route.methods or ()))} {path}"


def test_every_route_declares_exactly_one_known_operation() -> None:
    assert len(ROUTES) >= 12
    for item in ROUTES:
        operations = declared_operations(item[2])
        assert len(operations) == 1, f"{route_id(item)} declares {operations}"
        assert operations[0] in policy().operations, f"{operations[0]} is not in the policy"


def test_every_operation_in_the_policy_is_used() -> None:
    used = {op for _, _, route in ROUTES for op in declared_operations(route)}
    within = {o.name for o in policy().operations.values() if o.within in used}
    assert used | within == set(policy().operations)
    assert not used & within, "an operation is a route's or checked within one, not both"


@pytest.mark.parametrize("item", ROUTES, ids=route_id)
async def test_callers_outside_the_policy_are_refused(item: tuple[FastAPI, str, APIRoute]) -> None:
    """Every route x every role the policy does not list -> 403; no or a forged identity -> 401.
    (The roles it does list reach the handler; the e2e tests cover those with the database.)"""
    app, template, route = item
    (operation,) = declared_operations(route)
    path = sample_path(template)
    method = sorted(route.methods or {"GET"})[0]
    transport = httpx.ASGITransport(app=app)

    def refused(response: httpx.Response, status: int, code: str, why: str) -> None:
        if is_open311(path):  # the spec's error format: 403 for credentials, a list of errors
            assert response.status_code == 403, why
            assert response.json()[0]["code"] == 403, why
        else:
            assert (response.status_code, response.json()["code"]) == (status, code), why

    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        missing = await client.request(method, path, json={})
        refused(missing, 401, "identity_missing", "no identity")
        service = SERVICE_NAMES[app.title]
        forged = signed(
            Identity(sub="x", role="admin"),
            signer=IdentitySigner("x"),
            audience=service,
            method=method,
            path=path,
        )
        response = await client.request(method, path, json={}, headers={"x-zg-identity": forged})
        refused(response, 401, "identity_invalid", "forged identity")
        for role in sorted(set(ROLES) - policy().operations[operation].roles):
            header = signed(
                Identity(sub="someone", role=role), audience=service, method=method, path=path
            )
            response = await client.request(
                method, path, json={}, headers={"x-zg-identity": header}
            )
            if role == "anonymous":
                refused(response, 401, "authentication_required", f"{role} {operation}")
            else:
                refused(response, 403, "operation_forbidden", f"{role} {operation}")


def test_a_partner_key_is_limited_to_its_operations() -> None:
    key = Identity(sub="key-1", role="partner", operations=("cases.create",))
    assert policy().allows(key, "cases.create")
    assert not policy().allows(key, "cases.read")


def test_the_lifecycle_operation_admits_exactly_the_roles_of_its_actions() -> None:
    """A role the policy lets call the lifecycle route but no action names would pass the
    gateway to be refused by routing every time (managers and administrators did)."""
    from zg_routing.lifecycle import TRANSITIONS

    acting = set().union(*(t.roles for t in TRANSITIONS.values()))
    assert set(policy().operations["workflow.act"].roles) == acting


def test_a_partner_key_s_list_never_narrows_below_the_public() -> None:
    """The demo 12345 key (cases.create and a few more) reads the category tree and the grids it
    reports with, as any anonymous caller may."""
    key = Identity(sub="key-1", role="partner", operations=("cases.create",))
    public = {name for name, op in policy().operations.items() if "anonymous" in op.roles}
    assert {"categories.read", "territory.read", "open311.read"} <= public
    for operation in public:
        assert policy().allows(key, operation), operation
    assert not policy().allows(key, "cameras.read"), "beyond the public, the list still holds"


def test_the_gateways_route_table_is_the_services_routes() -> None:
    """The gateway checks the matrix with this table: it must be the services' routes."""
    committed = (REPO / "libs/common/src/zg_common/policy/routes.json").read_text("utf-8")
    assert committed == policy_routes.render(), "the routes changed: run `make policy`"


SERVICE_ROUTES = [
    (service, method, path, operation)
    for service, rows in policy_routes.document().items()
    for method, path, operation in rows
]


@pytest.mark.parametrize(
    ("service", "method", "path", "operation"),
    SERVICE_ROUTES,
    ids=[f"{s}:{m} {p}" for s, m, p, _ in SERVICE_ROUTES],
)
def test_the_gateway_finds_each_routes_own_operation(
    service: str, method: str, path: str, operation: str
) -> None:
    """Matched as the service's router matches (first route in order): `/cases/stats` is not
    `/cases/{case_id}`."""
    assert route_operations().operation(service, method, sample_path(path)) == operation


def test_the_gateway_refuses_as_the_service_would() -> None:
    table = route_operations()
    assert table.operation("patrol", "GET", "/api/v1/officers") == "officers.read"
    assert table.operation("patrol", "DELETE", "/api/v1/officers") is None, "the service's 405"
    assert table.operation("intake", "GET", "/api/v1/nothing/here") is None, "the service's 404"
    resident = Identity(sub="r", role="resident")
    with pytest.raises(Forbidden):
        check(resident, "officers.read")
    with pytest.raises(Unauthorized):
        check(ANONYMOUS, "officers.read")
    check(ANONYMOUS, "territory.read")
