"""The CLI starts without loading the heavy libraries: they are imported by the commands that use them."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sklearn", "scipy", "numpy", "scrapy", "prefect", "playwright", "uvicorn", "alembic")


def test_cli_import_leaves_heavy_libraries_unloaded() -> None:
    code = (
        "import sys, cercabandi.flows.cli, cercabandi.db.repo.users as u\n"
        f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(' '.join(loaded + ([] if u._DUMMY_HASH is None else ['argon2 dummy hash'])))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "", f"loaded at CLI start: {out.stdout.strip()}"
