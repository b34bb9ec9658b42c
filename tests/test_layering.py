"""Data goes one way: a stage never imports a later one (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cercabandi"

# What each package may import from cercabandi (besides itself).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "crawlers": {"core"},
    "normalise": {"core"},
    "catalogue": {"core"},
    "db": {"core"},
    "matching": {"core"},
    "monitoring": {"core"},
    "site": {"core", "monitoring"},
    "digest": {"core", "db", "matching", "monitoring"},
    "web": {"core", "db", "matching", "digest", "monitoring"},
    "flows": {"core", "crawlers", "normalise", "catalogue", "db", "matching", "digest", "web", "monitoring", "site"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "cercabandi" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_go_one_way(package: str) -> None:
    offenders = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        bad = _imports(path) - ALLOWED[package] - {package}
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE.parent)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)
