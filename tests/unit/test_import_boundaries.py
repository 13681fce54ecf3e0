"""Services never import each other (nor the gateway or the local tooling): only zg_common."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = {
    "zg_intake": REPO / "services" / "intake",
    "zg_routing": REPO / "services" / "routing",
    "zg_patrol": REPO / "services" / "patrol",
    "zg_scoring": REPO / "services" / "scoring",
    "zg_video_index": REPO / "services" / "video-index",
    "zg_gateway": REPO / "gateway",
}
FORBIDDEN_EVERYWHERE = {"zg_local"}


def imported_packages(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(path.name)
    return found


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_package_imports_no_other_service(package: str) -> None:
    imports = imported_packages(PACKAGES[package])
    assert package in imports or package == "zg_video_index" or imports, "nothing scanned"
    offenders = {
        other: sorted(files)
        for other, files in imports.items()
        if (other in PACKAGES and other != package) or other in FORBIDDEN_EVERYWHERE
    }
    assert not offenders, f"{package} imports {offenders}"


def test_common_library_imports_no_service() -> None:
    imports = imported_packages(REPO / "libs" / "common")
    assert not set(imports) & (set(PACKAGES) | FORBIDDEN_EVERYWHERE)


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("from zg_routing.service import dispatch\nimport zg_local\n")
    assert {"zg_routing", "zg_local"} <= set(imported_packages(tmp_path))
