"""``cercabandi eval``: measure the matcher on labelled pairs, beside two baselines."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from cercabandi.flows.context import console, err_console


def _short(key: str) -> str:
    return key.replace("/pairs/", "/").replace("recall@", "R@")


def eval_cmd(
    pairs: Path = typer.Option(
        ...,
        "--pairs",
        help="Pairs CSV: project_id, project_title, project_description, call_id[, call_submisura, flags].",
    ),
    calls: Path = typer.Option(
        ..., "--calls", help="Calls CSV: call_id, call_title, call_description[, codice_submisura]."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the metrics as JSON to this file."),
    ablation: bool = typer.Option(
        False, "--ablation", help="Also score the matcher with one analyser step removed at a time."
    ),
    feedback: bool = typer.Option(
        False, "--feedback", help="Also simulate volunteers' reviews and report the gain (slower)."
    ),
) -> None:
    """Rank ALL calls for every project of the pairs and report recall@1/5/10, MRR and nDCG@10.

    Levels call and measure, subsets all and honest (no PA-digitale template, no text echoing
    the call), averaged over pairs and over calls; for cercabandi and the baselines tfidf_default
    and bm25 in the same run.
    """
    # Imported here: scikit-learn takes seconds to load, and every other command (and --help) would pay it.
    from cercabandi.matching.baselines import BM25Ranker, TfidfDefaultRanker
    from cercabandi.matching.evaluation import (
        ABLATIONS,
        KEY_METRICS,
        EvalDataError,
        ScoringRanker,
        evaluate,
        load_calls,
        load_pairs,
    )
    from cercabandi.matching.ranker import TextRanker
    from cercabandi.matching.simulation import simulate

    try:
        call_table = load_calls(calls)
        pair_table = load_pairs(pairs, call_table)
    except EvalDataError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    console.print(
        f"{len(pair_table.texts)} pairs, {len(call_table.ids)} calls (every project ranked against all calls)"
    )
    if pair_table.honest is None:
        console.print("[yellow]No is_pa_digitale_template / project_text_echoes_call columns: no honest subset.[/]")
    rankers: dict[str, ScoringRanker] = {
        "cercabandi": TextRanker(),
        "tfidf_default": TfidfDefaultRanker(),
        "bm25": BM25Ranker(),
    }
    results: dict[str, dict[str, float]] = {}
    for name, ranker in rankers.items():
        started = time.perf_counter()
        results[name], _ = evaluate(ranker, call_table, pair_table)
        console.print(f"  {name}: {time.perf_counter() - started:.1f} s")
    table = Table("LEVEL/SUBSET/AVERAGE/METRIC", *results, title="Dev metrics (higher is better)")
    for key in results["cercabandi"]:
        table.add_row(key, *(f"{results[n][key]:.3f}" for n in results))
    console.print(table)
    payload: dict[str, object] = {"n_pairs": len(pair_table.texts), "n_calls": len(call_table.ids), "matchers": results}
    if ablation:
        keys = [k for k in KEY_METRICS if k in results["cercabandi"]]
        abl = Table("variant", *map(_short, keys), title="Ablation (one change at a time)")
        abl.add_row("cercabandi", *(f"{results['cercabandi'][k]:.3f}" for k in keys))
        ablations: dict[str, dict[str, float]] = {}
        for name, params in ABLATIONS.items():
            metrics, _ = evaluate(TextRanker(**params), call_table, pair_table)  # type: ignore[arg-type]
            ablations[name] = {k: metrics[k] for k in keys}
            abl.add_row(name, *(f"{metrics[k]:.3f}" for k in keys))
        console.print(abl)
        payload["ablation"] = ablations
    if feedback:
        report = simulate(TextRanker(), call_table, pair_table)
        fb = Table(
            "scenario",
            "metric",
            "before",
            "after",
            title=f"Simulated reviews ({report.n_tagged} projects tagged, {report.n_judgements} tags)",
        )
        for scenario, values in (
            ("other projects", report.other_projects),
            ("other calls (grouped by call)", report.other_calls),
        ):
            for key, (before, after) in values.items():
                fb.add_row(scenario, _short(key), f"{before:.3f}", f"{after:.3f}")
        console.print(fb)
        console.print(f"same project, next page after rejecting the top 10: {report.same_project}")
        payload["feedback"] = {
            "other_projects": report.other_projects,
            "other_calls": report.other_calls,
            "same_project": report.same_project,
        }
    if json_out is not None:
        json_out.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        console.print(f"Metrics written to {json_out}")


REPLAY_DAY = "2026-08-22T05:00:00+00:00"  # the morning the real recordings were made


def shortlist_cmd(
    data: Path = typer.Option(
        Path("../shared/data"), "--data", help="The real data folder (recordings and pnrr/ catalogue).", exists=True
    ),
    now: str = typer.Option(REPLAY_DAY, "--now", help="The moment the run is judged at (ISO, with a zone)."),
    build: bool = typer.Option(
        True, "--build/--no-build", help="Build the configured database first (it should be empty), or judge it as is."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the figures as JSON to this file."),
) -> None:
    """Judge what reaches people on the real data: matches for other places or non-funding, digests.

    Builds the configured database from the real catalogue and recordings (a few minutes),
    writes the digests of three subscriptions to the outbox, then reports active matches on
    calls for other regions, other Lombard provinces or not funding, the share of matches per
    level and source, and each digest's HTML size and whether every matched call closing
    within 14 days comes first.
    """
    from datetime import datetime

    from cercabandi.flows.commands._common import one_off_flow_runs, prepare_prefect_environment
    from cercabandi.flows.context import load_context
    from cercabandi.flows.shortlist import build_real_world, judge_shortlist

    at = datetime.fromisoformat(now)
    if at.tzinfo is None:
        err_console.print(f"[red]--now {now!r} needs a zone, e.g. {REPLAY_DAY}[/]")
        raise typer.Exit(2)
    ctx = load_context()
    if build:
        prepare_prefect_environment(ctx)
        with one_off_flow_runs(ctx):
            build_real_world(ctx, data.resolve(), now=at)
    figures = judge_shortlist(ctx, ctx.settings.outbox_dir, now=at)
    _print_shortlist(figures.as_dict())
    if json_out is not None:
        json_out.write_text(json.dumps(figures.as_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        console.print(f"Figures written to {json_out}")


def _print_shortlist(figures: dict[str, Any]) -> None:
    total = figures["active_matches"] or 1
    table = Table("figure", "value", title="Shortlist on the real data")
    table.add_row("active matches", str(figures["active_matches"]))
    for key in ("other_regions", "other_provinces", "not_funding"):
        table.add_row(f"  on calls for {key.replace('_', ' ')}", str(figures[key]))
    for kind in ("by_level", "by_source"):
        for name, count in sorted(figures[kind].items(), key=lambda kv: -kv[1]):
            table.add_row(f"  share {kind.removeprefix('by_')} {name}", f"{count / total:.1%}")
    for digest in figures["digests"]:
        table.add_row(
            f"digest {digest['email']}",
            f"{digest['html_bytes'] / 1024:.0f} KB HTML; closing within 14 days: {digest['urgent_matched']} matched, "
            f"{digest['urgent_missing']} missing, {digest['urgent_late']} after a later call",
        )
    console.print(table)


def register(root: typer.Typer) -> None:
    root.command("eval")(eval_cmd)
    root.command("eval-shortlist")(shortlist_cmd)
