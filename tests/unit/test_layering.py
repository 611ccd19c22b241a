"""The house's layering (docs/architecture.md): imports point down the list
core <- store <- census/hts <- publish <- defs <- app; nothing below defs imports Dagster; nothing
imports app; devdata (sample and benchmark data) is used only by app and the tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "orchestration"
# what each package may import from the project (besides itself)
ALLOWED = {
    "core": set(),
    "store": {"core"},
    "census": {"core", "store"},
    "hts": {"core", "store"},
    "partners": {"core", "store"},
    "publish": {"core", "store", "census", "hts", "partners"},
    "devdata": {"core", "store", "census", "hts", "partners"},
    "defs": {"core", "store", "census", "hts", "partners", "publish"},
    "app": {"core", "store", "census", "hts", "partners", "publish", "devdata", "defs"},
    "definitions": {"defs"},
    "__init__": set(),
}
BELOW_DEFS = {"core", "store", "census", "hts", "partners", "publish", "devdata"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (imports inside functions count)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _package(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.stat().st_size)


def test_every_module_belongs_to_a_package_of_the_house():
    assert {_package(p) for p in MODULES} <= set(ALLOWED), "a module outside the layout"


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_imports_point_down_the_layers(path: Path):
    package = _package(path)
    wrong = []
    for line, module in _imports(path):
        parts = module.split(".")
        if parts[0] == "dagster" or parts[0].startswith("dagster_"):
            if package in BELOW_DEFS:
                wrong.append(f"line {line}: {module} (no Dagster below defs)")
        elif parts[0] == "orchestration" and len(parts) > 1:
            target = parts[1]
            if target != package and target not in ALLOWED[package]:
                wrong.append(f"line {line}: {module} ({package} may not import {target})")
    assert not wrong, f"{path.relative_to(PACKAGE)}: " + "; ".join(wrong)
