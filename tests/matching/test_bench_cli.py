"""The benchmark command runs end to end on a small size (figures are printed, never asserted)."""

from __future__ import annotations

from typer.testing import CliRunner

from cercabandi.flows.cli import app


def test_bench_match_small() -> None:
    result = CliRunner().invoke(
        app, ["bench", "match", "--calls", "300", "--projects", "40", "--naive-calls", "100", "--naive-projects", "20"]
    )
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "top-k" in flat and "same top-20 indices: 100.0%" in flat
    # the previous approaches ran in the same command and gave the same results
    assert "Against the previous approach" in flat and "scipy product" in flat and "TfidfVectorizer" in flat
    assert "False" not in flat
    assert "Whole command:" in flat
