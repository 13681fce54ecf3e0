"""Every service is the same room: route modules speak HTTP only — no SQL, no transaction of
their own, no session factory, no reaching into `request.app.state` — and each service has the
standard modules (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

SERVICES = sorted((REPO / "services").glob("*/src/zg_*"))
STANDARD = ("main.py", "config.py", "runtime.py", "dependencies.py", "models.py")
# names a route module must not import: the session factory, the unit of work, SQL builders
FORBIDDEN_IMPORTS = {
    "zg_common.db": {"unit_of_work", "request_session", "create_sessionmaker", "create_engine"},
    "sqlalchemy": {"select", "insert", "update", "delete", "text", "func"},
    "sqlalchemy.dialects.postgresql": {"insert"},
    "sqlalchemy.ext.asyncio": {"async_sessionmaker", "create_async_engine"},
}
# Routes that hand the process's runtime to a long job, which commits in its own steps around
# a solver that runs for seconds (never a transaction held open meanwhile): (module, function).
LONG_JOBS = {
    ("zg_patrol/plans/router.py", "drop_out"),  # the rest of a shift planned again
}


def route_modules() -> list[Path]:
    return sorted(
        p
        for service in SERVICES
        for p in service.rglob("*.py")
        if "APIRouter(" in p.read_text(encoding="utf-8")
    )


def offences(path: Path, text: str) -> list[str]:
    """What a route module does that belongs to a service or a repository."""
    tree = ast.parse(text, filename=str(path))
    rel = str(path).split("/src/", 1)[-1]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in FORBIDDEN_IMPORTS:
            bad = {a.name for a in node.names} & FORBIDDEN_IMPORTS[node.module]
            found += [f"imports {node.module}.{name}" for name in sorted(bad)]
        elif isinstance(node, ast.Attribute) and node.attr in ("sessions", "begin", "commit"):
            found.append(f"uses .{node.attr} (line {node.lineno})")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "state"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "app"
        ):
            found.append(f"reaches into request.app.state (line {node.lineno})")
        elif isinstance(node, ast.AsyncFunctionDef):
            takes_runtime = any(
                "RuntimeDep" in ast.unparse(a.annotation)
                for a in node.args.args + node.args.kwonlyargs
                if a.annotation is not None
            )
            if takes_runtime and (rel, node.name) not in LONG_JOBS:
                found.append(f"{node.name} takes the runtime (not a listed long job)")
            reads_only = any(
                "ReadSessionDep" in ast.unparse(a.annotation)
                for a in node.args.args + node.args.kwonlyargs
                if a.annotation is not None
            )
            verbs = {
                d.func.attr
                for d in node.decorator_list
                if isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
            }
            if reads_only and verbs != {"get"}:
                found.append(f"{node.name} takes ReadSessionDep (autocommit) but is not a GET")
    return found


def test_route_modules_are_found() -> None:
    names = {str(p).split("/src/", 1)[-1] for p in route_modules()}
    assert {"zg_intake/router.py", "zg_patrol/plans/router.py", "zg_video_index/router.py"} <= names


@pytest.mark.parametrize("path", route_modules(), ids=lambda p: str(p).split("/src/", 1)[-1])
def test_routes_hold_no_sql_and_open_no_transaction(path: Path) -> None:
    assert offences(path, path.read_text(encoding="utf-8")) == []


def test_the_check_sees_a_route_that_opens_a_transaction(tmp_path: Path) -> None:
    bad = tmp_path / "zg_x" / "router.py"
    bad.parent.mkdir()
    bad.write_text(
        "from sqlalchemy import select\n"
        "from zg_common.db import unit_of_work\n"
        "async def route(request, runtime: RuntimeDep):\n"
        "    async with unit_of_work(request.app.state.runtime.sessions) as session:\n"
        "        await session.commit()\n"
        "@router.post('/x')\n"
        "async def write(session: ReadSessionDep):\n"
        "    pass\n"
    )
    found = offences(bad, bad.read_text())
    assert "imports sqlalchemy.select" in found
    assert "imports zg_common.db.unit_of_work" in found
    assert any("request.app.state" in f for f in found)
    assert any(".sessions" in f for f in found) and any(".commit" in f for f in found)
    assert any("takes the runtime" in f for f in found)
    assert "write takes ReadSessionDep (autocommit) but is not a GET" in found


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_every_service_has_the_standard_modules(service: Path) -> None:
    missing = [m for m in STANDARD if not (service / m).exists()]
    assert not missing, f"{service.name} lacks {missing}"
    consumers = [service / "consumers.py", *service.glob("*/consumers.py")]
    assert any(c.exists() for c in consumers), f"{service.name}: Kafka entrypoints in consumers.py"


MAX_LINES = 400
SOURCES = [
    *sorted((REPO / "services").glob("*/src/**/*.py")),
    *sorted((REPO / "libs").glob("*/src/**/*.py")),
    *sorted((REPO / "gateway" / "src").rglob("*.py")),
    *sorted((REPO / "deploy" / "local" / "src").rglob("*.py")),
    *sorted((REPO / "bench").glob("*.py")),
]


def test_no_source_module_is_over_400_lines() -> None:
    """A module past ~400 lines splits (by aggregate, or data moves to data files); tests may
    be longer."""
    assert len(SOURCES) > 100
    long = {
        str(p.relative_to(REPO)): n
        for p in SOURCES
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


PROBLEM_BASES = {
    "ProblemError", "BadRequest", "Unauthorized", "Forbidden", "NotFound", "CaseNotFound",
    "GridNotFound", "Conflict", "ValidationFailed", "ServiceUnavailable", "PayloadTooLarge",
    "UnsupportedMediaType", "RateLimited",
}  # fmt: skip


def problem_types_outside_exceptions(root: Path) -> list[str]:
    """Problem types (subclasses of zg_common.errors') defined anywhere but exceptions.py."""
    found = []
    for path in root.rglob("*.py"):
        if path.name == "exceptions.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            bases = {ast.unparse(b).split(".")[-1] for b in getattr(node, "bases", [])}
            if isinstance(node, ast.ClassDef) and bases & PROBLEM_BASES:
                found.append(f"{path.relative_to(root)}: {node.name}")
    return found


@pytest.mark.parametrize(
    "root", [*SERVICES, REPO / "gateway" / "src" / "zg_gateway"], ids=lambda p: p.name
)
def test_errors_live_in_each_services_exceptions_module(root: Path) -> None:
    assert problem_types_outside_exceptions(root) == []


def test_the_check_sees_an_error_defined_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "service.py").write_text("class ThingNotFound(NotFound):\n    code = 'x'\n")
    (tmp_path / "exceptions.py").write_text("class Fine(errors.Conflict):\n    pass\n")
    assert problem_types_outside_exceptions(tmp_path) == ["service.py: ThingNotFound"]


def raw_payload_reads(root: Path) -> list[str]:
    """Places that read an incoming event's payload other than through `Contract.parse`."""
    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Attribute) and node.attr == "data"):
                continue
            if isinstance(node.value, ast.Name) and node.value.id == "event":
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


@pytest.mark.parametrize("root", SERVICES, ids=lambda p: p.name)
def test_every_consumer_reads_events_through_their_contract(root: Path) -> None:
    """`EventContract.parse` ignores fields added after the consumer was built (a unit test
    checks it for every contract); a handler reading `event.data` itself would not."""
    assert raw_payload_reads(root) == []


def test_the_check_sees_a_raw_payload_read(tmp_path: Path) -> None:
    (tmp_path / "consumers.py").write_text("def h(event):\n    return event.data['case_id']\n")
    assert raw_payload_reads(tmp_path) == ["consumers.py:2"]
