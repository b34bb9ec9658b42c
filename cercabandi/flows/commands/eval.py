"""``cercabandi eval``: measure the matcher on labelled pairs, beside two baselines."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from cercabandi.flows.context import console, err_console

if TYPE_CHECKING:
    from cercabandi.matching.crossval import CrossValidation
    from cercabandi.matching.evaluation import CallsTable, PairRanks, PairsTable


def _short(key: str) -> str:
    return key.replace("/pairs/", "/").replace("recall@", "R@")


PairsOption = Annotated[
    Path,
    typer.Option(
        "--pairs", help="Pairs CSV: project_id, project_title, project_description, call_id[, call_submisura, flags]."
    ),
]
CallsOption = Annotated[
    Path, typer.Option("--calls", help="Calls CSV: call_id, call_title, call_description[, codice_submisura].")
]
JsonOption = Annotated[Path | None, typer.Option("--json", help="Also write the metrics as JSON to this file.")]
AblationOption = Annotated[
    bool, typer.Option("--ablation", help="Also score the matcher with one analyser step removed at a time.")
]
FeedbackOption = Annotated[
    bool, typer.Option("--feedback", help="Also simulate volunteers' reviews and report the gain (slower).")
]
CvOption = Annotated[
    bool,
    typer.Option(
        "--cv/--no-cv",
        help="Leave-one-province-out cross-validation (needs the pairs' comune column): mean and spread per metric.",
    ),
]


def eval_cmd(
    pairs: PairsOption,
    calls: CallsOption,
    json_out: JsonOption = None,
    ablation: AblationOption = False,
    feedback: FeedbackOption = False,
    cv: CvOption = True,
) -> None:
    """Rank ALL calls for every project of the pairs and report recall@1/5/10, MRR and nDCG@10.

    Levels call and measure, subsets all and honest (no PA-digitale template, no text echoing
    the call), averaged over pairs and over calls; for cercabandi and the baselines tfidf_default
    and bm25 in the same run; then the same held out one province at a time, cercabandi choosing
    its variant on the other provinces only.
    """
    # Imported here: scikit-learn takes seconds to load, and every other command (and --help) would pay it.
    from cercabandi.matching.evaluation import EvalDataError, load_calls, load_pairs

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
    results, ranks = _compare(call_table, pair_table)
    payload: dict[str, object] = {"n_pairs": len(pair_table.texts), "n_calls": len(call_table.ids), "matchers": results}
    variants: dict[str, PairRanks] = {}
    if ablation:
        payload["ablation"], variants = _ablation(call_table, pair_table, results["cercabandi"])
    if cv and pair_table.comuni:
        payload["cross_validation"] = _cross_validation(call_table, pair_table, ranks, variants)
    elif cv:
        console.print("[yellow]No comune column: no leave-one-province-out cross-validation.[/]")
    if feedback:
        payload["feedback"] = _feedback(call_table, pair_table)
    if json_out is not None:
        json_out.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        console.print(f"Metrics written to {json_out}")


def _compare(
    call_table: CallsTable, pair_table: PairsTable
) -> tuple[dict[str, dict[str, float]], dict[str, PairRanks]]:
    """The matcher and the two baselines, timed, in one table; their metrics and ranks."""
    from cercabandi.matching.baselines import BM25Ranker, TfidfDefaultRanker
    from cercabandi.matching.evaluation import ScoringRanker, evaluate
    from cercabandi.matching.ranker import TextRanker

    rankers: dict[str, ScoringRanker] = {
        "cercabandi": TextRanker(),
        "tfidf_default": TfidfDefaultRanker(),
        "bm25": BM25Ranker(),
    }
    results: dict[str, dict[str, float]] = {}
    ranks: dict[str, PairRanks] = {}
    for name, ranker in rankers.items():
        started = time.perf_counter()
        results[name], ranks[name] = evaluate(ranker, call_table, pair_table)
        console.print(f"  {name}: {time.perf_counter() - started:.1f} s")
    table = Table("LEVEL/SUBSET/AVERAGE/METRIC", *results, title="Dev metrics (higher is better)")
    for key in results["cercabandi"]:
        table.add_row(key, *(f"{results[n][key]:.3f}" for n in results))
    console.print(table)
    return results, ranks


def _ablation(
    call_table: CallsTable, pair_table: PairsTable, baseline: dict[str, float]
) -> tuple[dict[str, dict[str, float]], dict[str, PairRanks]]:
    """One change at a time: the key metrics, and the ranks of every variant (candidates for the CV)."""
    from cercabandi.matching.evaluation import ABLATIONS, KEY_METRICS, evaluate
    from cercabandi.matching.ranker import TextRanker

    keys = [k for k in KEY_METRICS if k in baseline]
    abl = Table("variant", *map(_short, keys), title="Ablation (one change at a time)")
    abl.add_row("cercabandi", *(f"{baseline[k]:.3f}" for k in keys))
    ablations: dict[str, dict[str, float]] = {}
    ranks: dict[str, PairRanks] = {}
    for name, params in ABLATIONS.items():
        metrics, ranks[name] = evaluate(TextRanker(**params), call_table, pair_table)  # type: ignore[arg-type]
        ablations[name] = {k: metrics[k] for k in keys}
        abl.add_row(name, *(f"{metrics[k]:.3f}" for k in keys))
    console.print(abl)
    return ablations, ranks


def _cross_validation(
    call_table: CallsTable, pair_table: PairsTable, ranks: dict[str, PairRanks], variants: dict[str, PairRanks]
) -> dict[str, object]:
    """Leave-one-province-out: cercabandi chooses among its variants on the other provinces."""
    from cercabandi.matching.crossval import leave_one_group_out, province_of
    from cercabandi.matching.evaluation import CV_CANDIDATES, evaluate
    from cercabandi.matching.ranker import TextRanker

    candidates = {"default": ranks["cercabandi"], **variants}
    for name, params in CV_CANDIDATES.items():
        if name not in candidates:
            candidates[name] = evaluate(TextRanker(**params), call_table, pair_table)[1]  # type: ignore[arg-type]
    groups = [province_of(c) for c in pair_table.comuni]
    result = leave_one_group_out(
        {"cercabandi": candidates, "tfidf_default": {"-": ranks["tfidf_default"]}, "bm25": {"-": ranks["bm25"]}},
        pair_table,
        groups,
    )
    return _print_cross_validation(result, len(candidates))


def _print_cross_validation(result: CrossValidation, n_candidates: int) -> dict[str, object]:
    from cercabandi.matching.crossval import OTHER, SELECTION_METRICS
    from cercabandi.matching.evaluation import KEY_METRICS

    names = ("cercabandi", "tfidf_default", "bm25")
    keys = [k for k in KEY_METRICS if any(k in f.metrics["cercabandi"] for f in result.folds)]
    title = (
        f"Leave-one-province-out ({sum(f.group != OTHER for f in result.folds)} provinces; cercabandi picks "
        f"among {n_candidates} variants by {' + '.join(map(_short, SELECTION_METRICS))} on the other provinces)"
    )
    table = Table("METRIC (held-out mean ± sd)", *names, title=title)
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for key in keys:
        cells = {name: result.spread(name, key) for name in names}
        table.add_row(_short(key), *(f"{m:.3f} ± {sd:.3f}" for m, sd, _ in cells.values()))
        summary[key] = {name: {"mean": m, "sd": sd, "folds": n} for name, (m, sd, n) in cells.items()}
    console.print(table)
    shown = [(name, key) for name in ("cercabandi", "bm25") for key in keys[:2]]
    per_fold = Table("held out", "pairs", "variant chosen", *(f"{n} {_short(k)}" for n, k in shown), title="Per fold")
    folds: list[dict[str, object]] = []
    for fold in result.folds:
        values = [f"{fold.metrics[n].get(k, float('nan')):.3f}" for n, k in shown]
        per_fold.add_row(fold.group, str(fold.n_pairs), fold.chosen["cercabandi"], *values)
        folds.append({"group": fold.group, "n_pairs": fold.n_pairs, "chosen": fold.chosen, "metrics": fold.metrics})
    console.print(per_fold)
    return {"summary": summary, "folds": folds}


def _feedback(call_table: CallsTable, pair_table: PairsTable) -> dict[str, object]:
    from cercabandi.matching.ranker import TextRanker
    from cercabandi.matching.simulation import simulate

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
    return {
        "other_projects": report.other_projects,
        "other_calls": report.other_calls,
        "same_project": report.same_project,
    }


def register(root: typer.Typer) -> None:
    root.command("eval")(eval_cmd)
