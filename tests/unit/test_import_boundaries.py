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


# Inside a service split by aggregate, a sub-package uses another only through its service
# (and its API models): never its routes, its queries or its Kafka entrypoints.
PRIVATE_MODULES = {"router", "repository", "consumers"}
ROOM = ("router.py", "service.py", "repository.py", "schemas.py")


def subpackages(service: Path) -> list[Path]:
    return sorted(p.parent for p in service.glob("*/__init__.py"))


def crossings(service: Path) -> list[str]:
    """Imports of another sub-package's private modules, as `file -> module`."""
    package = service.name
    names = {p.name for p in subpackages(service)}
    found = []
    for sub in subpackages(service):
        for path in sub.rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                targets: list[str] = []
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    parts = node.module.split(".")
                    if len(parts) == 2 and parts[0] == package:
                        targets = [f"{node.module}.{a.name}" for a in node.names]
                    else:
                        targets = [node.module]
                elif isinstance(node, ast.Import):
                    targets = [a.name for a in node.names]
                for target in targets:
                    parts = target.split(".")
                    if (
                        len(parts) >= 3
                        and parts[0] == package
                        and parts[1] in names
                        and parts[1] != sub.name
                        and parts[2] in PRIVATE_MODULES
                    ):
                        found.append(f"{sub.name}/{path.name} -> {target}")
    return found


def test_patrol_is_split_into_subpackages() -> None:
    service = PACKAGES["zg_patrol"] / "src" / "zg_patrol"
    names = {p.name for p in subpackages(service)}
    assert names == {"territory", "plans", "checkin", "positions", "supervision"}
    for sub in subpackages(service):  # each the same small room
        missing = [m for m in ROOM if not (sub / m).exists()]
        assert not missing, f"{sub.name} lacks {missing}"


@pytest.mark.parametrize("package", sorted(p for p in PACKAGES if p != "zg_gateway"))
def test_subpackages_use_each_other_only_through_their_services(package: str) -> None:
    service = PACKAGES[package] / "src" / package
    assert crossings(service) == []


def test_the_subpackage_check_sees_a_violation(tmp_path: Path) -> None:
    service = tmp_path / "zg_x"
    for sub in ("a", "b"):
        (service / sub).mkdir(parents=True)
        (service / sub / "__init__.py").write_text("")
    (service / "a" / "service.py").write_text(
        "from zg_x.b import repository\nfrom zg_x.b.router import router\n"
        "from zg_x.b import service\nfrom zg_x.b.schemas import Thing\n"
    )
    assert crossings(service) == [
        "a/service.py -> zg_x.b.repository",
        "a/service.py -> zg_x.b.router",
    ]
