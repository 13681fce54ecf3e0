"""Problem+json rendering and the shared middleware, on an app with no I/O."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.requests import ClientDisconnect

from zg_common.app import create_base_app
from zg_common.errors import Conflict, FieldError, ProblemError
from zg_common.settings import CommonSettings

# what PostgreSQL answers: a lost race, a restart, a network cut, a full server, a bug
SQLSTATES = {
    "deadlock": "40P01",
    "broken": "XX000",
    "restarting": "57P01",
    "starting": "57P03",
    "cut": "08006",
    "full": "53300",
    "duplicate": "23505",
}


class Thing(BaseModel):
    name: str
    size: int


@pytest.fixture
def app() -> FastAPI:
    app = create_base_app(
        CommonSettings(max_body_bytes=2048), name="t", title="t", description="", version="0"
    )

    @app.post("/things", status_code=201)
    async def create(thing: Thing) -> Thing:
        if thing.name == "taken":
            raise Conflict(
                "That name is taken",
                errors=[FieldError(field="name", code="taken", message="taken")],
            )
        if thing.name == "crash":
            raise RuntimeError("a bug")
        if thing.name in SQLSTATES:
            cause = type("PgError", (Exception,), {})(thing.name)
            cause.sqlstate = SQLSTATES[thing.name]
            raise DBAPIError("SELECT ... FOR UPDATE", {}, cause)
        if thing.name == "pool":
            raise SQLAlchemyTimeoutError("QueuePool limit of size 10 overflow 0 reached")
        if thing.name == "gone":  # the client hung up while the gateway read its body
            raise ClientDisconnect()
        if thing.name == "refused":  # the pool's new connection to a restarting database
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
        return thing

    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"urn:zongguan:problem:{code}"
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_validation_errors_name_each_field(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/things", json={"size": "big"}), 422, "validation_failed")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("name", "missing"),
        ("size", "int_parsing"),
    }


async def test_domain_error_keeps_its_code_and_fields(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/things", json={"name": "taken", "size": 1}), 409, "conflict")
    assert body["errors"] == [{"field": "name", "code": "taken", "message": "taken"}]


async def test_404_405_413_and_500_are_problems(client: httpx.AsyncClient) -> None:
    problem(await client.get("/nope"), 404, "not_found")
    response = await client.get("/things")
    problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"
    problem(
        await client.post(
            "/things", content=b"x" * 4096, headers={"content-type": "application/json"}
        ),
        413,
        "payload_too_large",
    )
    body = problem(
        await client.post("/things", json={"name": "crash", "size": 1}), 500, "internal_error"
    )
    assert "a bug" not in str(body), "internals must not leak"


async def test_request_ids_are_taken_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get(
        "/healthz", headers={"X-Request-ID": "abc-123", "X-Correlation-ID": "flow-9"}
    )
    assert given.headers["x-request-id"] == "abc-123"
    assert given.headers["x-correlation-id"] == "flow-9"
    hostile = await client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert hostile.headers["x-request-id"] != "bad id\nwith newline"
    assert len(hostile.headers["x-request-id"]) == 32


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.post("/things", json={"name": "a", "size": 1})
    text = (await client.get("/metrics")).text
    assert 'zg_http_requests_total{method="POST",route="/things",service="t",status="201"}' in text


def test_every_problem_class_has_a_distinct_code() -> None:
    classes: list[type[ProblemError]] = []
    todo = [ProblemError]
    while todo:
        cls = todo.pop()
        classes.append(cls)
        todo += cls.__subclasses__()
    by_code: dict[str, type[ProblemError]] = {}
    for cls in classes:
        assert (
            cls.code not in by_code
            or by_code[cls.code] is cls
            or issubclass(cls, by_code[cls.code])
            or cls.code == "internal_error"
        ), cls
        by_code.setdefault(cls.code, cls)


async def test_security_headers_on_every_answer(client: httpx.AsyncClient) -> None:
    for response in (await client.get("/healthz"), await client.get("/nope")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"


async def test_a_transaction_that_lost_a_race_is_a_503_to_send_again_not_a_500(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/things", json={"name": "deadlock", "size": 1})
    problem(response, 503, "try_again")
    assert response.headers["retry-after"] == "1"
    problem(await client.post("/things", json={"name": "broken", "size": 1}), 500, "internal_error")


@pytest.mark.parametrize("name", ["restarting", "starting", "cut", "full", "pool", "refused"])
async def test_a_database_out_of_reach_is_a_503_to_send_again_not_a_500(
    client: httpx.AsyncClient, name: str
) -> None:
    """What a PostgreSQL restart under load gave as 500s (issue #15, reliability 1)."""
    response = await client.post("/things", json={"name": name, "size": 1})
    problem(response, 503, "database_unavailable")
    assert response.headers["retry-after"] == "2"


async def test_a_database_error_of_the_request_stays_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "duplicate", "size": 1})
    problem(response, 500, "internal_error")


@pytest.mark.parametrize(
    ("name", "outage"),
    [("restarting", True), ("starting", True), ("cut", True), ("full", True),
     ("deadlock", False), ("duplicate", False), ("broken", False)],
)  # fmt: skip
def test_a_consumer_waits_out_an_unreachable_database_without_using_attempts(
    name: str, outage: bool
) -> None:
    from zg_common.consumer import is_outage

    cause = type("PgError", (Exception,), {})(name)
    cause.sqlstate = SQLSTATES[name]
    assert is_outage(DBAPIError("INSERT ...", {}, cause)) is outage
    assert is_outage(SQLAlchemyTimeoutError("QueuePool limit reached"))
    assert is_outage(ConnectionRefusedError(111, "Connection refused"))


async def test_a_client_that_hung_up_is_a_400_not_a_500(client: httpx.AsyncClient) -> None:
    gone = await client.post("/things", json={"name": "gone", "size": 1})
    problem(gone, 400, "client_disconnected")
