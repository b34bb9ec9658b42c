"""Functions short enough to see whole: none over 60 lines in the package (STYLE.md, issue #16)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cercabandi"
MAX_LINES = 60

# Functions still over the limit in code other engineers are rewriting; nothing may be added here.
PENDING: set[str] = set()


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_LINES:
                found.append(f"{path.relative_to(PACKAGE.parent).as_posix()}:{node.name}")
    return found


def _offenders() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.relative_to(PACKAGE).parts:
            continue
        found.extend(_long_functions(path))
    return found


def test_no_function_is_longer_than_sixty_lines() -> None:
    offenders = [name for name in _offenders() if name not in PENDING]
    assert not offenders, "functions over 60 lines:\n" + "\n".join(offenders)


def test_pending_lists_only_current_offenders() -> None:
    stale = PENDING - set(_offenders())
    assert not stale, "no longer over the limit, drop from PENDING:\n" + "\n".join(sorted(stale))


# Stages are imported and passed as typed callables, never resolved from a dotted path at run time.
RETIRED = ("load_callable", "StageMissing", "DEFAULT_NORMALISER", "DEFAULT_MATCHER")


def test_no_stage_is_loaded_by_dotted_path() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent).as_posix()}: {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name in RETIRED
        if name in path.read_text(encoding="utf-8")
    ]
    assert not found, "retired names still in the package:\n" + "\n".join(found)
