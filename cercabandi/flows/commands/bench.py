"""``cercabandi bench``: how fast and how big is matching at scale (synthetic Italian texts)."""

from __future__ import annotations

import os
import time
from typing import Annotated, Any

import typer
from rich.table import Table

from cercabandi.flows.context import console

app = typer.Typer(help="Benchmarks on synthetic data.", no_args_is_help=True)

MB = 2**20


CallsOption = Annotated[int, typer.Option("--calls", min=1, help="Number of synthetic calls.")]
ProjectsOption = Annotated[int, typer.Option("--projects", min=1, help="Number of synthetic projects.")]
KOption = Annotated[int, typer.Option("--k", min=1, help="Calls kept per project.")]
CharWeightOption = Annotated[
    float | None,
    typer.Option(
        "--char-weight",
        min=0.0,
        help="Weight of the character n-gram block (0 = off; default: the matcher's own).",
        show_default=False,
    ),
]
NaiveCallsOption = Annotated[int, typer.Option("--naive-calls", min=1, help="Calls for the dense comparison.")]
NaiveProjectsOption = Annotated[int, typer.Option("--naive-projects", min=1, help="Projects for the dense comparison.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed of the synthetic texts.")]
JobsOption = Annotated[
    int, typer.Option("--jobs", min=1, help="Threads for the top-k chunks (the compiled product releases the GIL).")
]
BaselineProjectsOption = Annotated[
    int,
    typer.Option("--baseline-projects", min=1, help="Projects for the previous top-k (scipy product), at full size."),
]
BaselineCallsOption = Annotated[
    int, typer.Option("--baseline-calls", min=1, help="Calls for the previous vectorisation (two TfidfVectorizer).")
]


@app.command("match")
def match_cmd(
    calls: CallsOption = 100_000,
    projects: ProjectsOption = 10_000,
    k: KOption = 20,
    char_weight: CharWeightOption = None,
    naive_calls: NaiveCallsOption = 3_000,
    naive_projects: NaiveProjectsOption = 1_000,
    seed: SeedOption = 0,
    jobs: JobsOption = 2,
    baseline_projects: BaselineProjectsOption = 300,
    baseline_calls: BaselineCallsOption = 10_000,
) -> None:
    """Time fit + top-k of the matcher on N calls x M projects; in the same run, the previous approaches of its
    two costly steps (as ratios), and dense cosine on a smaller size."""
    started = time.perf_counter()
    # Imported here: numpy/scikit-learn take seconds to load, and every other command (and --help) would pay it.
    from cercabandi.matching.benchmark import max_rss_bytes, measure, synthetic_calls, synthetic_projects
    from cercabandi.matching.ranker import TextRanker

    if char_weight is None:
        char_weight = TextRanker().char_weight
    load = os.getloadavg()[0]
    console.print(
        f"Machine: {os.cpu_count()} CPUs, load average {load:.1f} (a shared machine slows wall times; CPU times are "
        f"what the work itself took); top-k threads: {jobs}"
    )
    gen = measure(lambda: (synthetic_calls(calls, seed), synthetic_projects(projects, seed + 1)), trace=False)
    (titles, bodies), texts = gen.result
    console.print(f"Generated {calls:,} calls and {projects:,} projects in {gen.seconds:.1f} s")
    ranker = TextRanker(char_weight=char_weight, n_jobs=jobs)
    queries = _time_matcher(ranker, titles, bodies, texts, k)
    console.print(f"Matching done {time.perf_counter() - started:.1f} s after the command started.")
    _compare_previous(
        ranker, queries[: min(baseline_projects, projects)], titles, bodies, min(baseline_calls, calls), k
    )
    # The naive approach on a size where a dense matrix fits, with the same vectors.
    nc, npj = min(naive_calls, calls), min(naive_projects, projects)
    small = TextRanker(char_weight=char_weight).fit(titles[:nc], bodies[:nc])
    _compare_dense(small, small.transform(texts[:npj]), nc, npj, k)
    console.print(
        f"Whole command: {time.perf_counter() - started:.1f} s wall, {time.process_time():.1f} s CPU, "
        f"peak RSS {max_rss_bytes() / MB:.0f} MiB"
    )


def _time_matcher(ranker: Any, titles: list[str], bodies: list[str], texts: list[str], k: int) -> Any:
    from cercabandi.matching.benchmark import max_rss_bytes, run_ranker

    run = run_ranker(ranker, titles, bodies, texts, k)
    table = Table(
        "step", "wall s", "CPU s", title=f"cercabandi matcher: {len(titles):,} calls x {len(texts):,} projects, top {k}"
    )
    steps = (("fit (vectorise calls)", "fit"), ("transform projects", "transform"), ("top-k (chunked sparse)", "top_k"))
    for label, key in steps:
        table.add_row(label, f"{run[key].seconds:.1f}", f"{run[key].cpu_seconds:.1f}")
    table.add_row(
        "total",
        f"{sum(run[key].seconds for _, key in steps):.1f}",
        f"{sum(run[key].cpu_seconds for _, key in steps):.1f}",
    )
    console.print(table)
    console.print(
        f"Peak traced memory during top-k: {run['top_k_peak'] / MB:.0f} MiB; "
        f"process peak RSS so far (ru_maxrss): {max_rss_bytes() / MB:.0f} MiB"
    )
    return run["transform"].result


def _compare_previous(ranker: Any, queries: Any, titles: list[str], bodies: list[str], n_calls: int, k: int) -> None:
    """The two costly steps against the approaches they replaced, one thread each, results compared."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfTransformer

    from cercabandi.matching.benchmark import measure, scipy_top_k, sklearn_word_counts
    from cercabandi.matching.topk import top_k
    from cercabandi.matching.vectorise import WordCounts

    ours = measure(lambda: top_k(queries, ranker.docs_, k), trace=False)
    before = measure(lambda: scipy_top_k(queries, ranker.docs_, k), trace=False)
    same_top = bool(
        np.array_equal(ours.result[0], before.result[0]) and np.array_equal(ours.result[1], before.result[1])
    )
    terms = [ranker.analyser_.terms(f"{t}\n{b}") for t, b in zip(titles[:n_calls], bodies[:n_calls], strict=True)]

    def one_pass() -> tuple[Any, Any]:
        unigrams, bigrams = WordCounts().fit_transform(terms)
        tfidf = TfidfTransformer(sublinear_tf=True)
        return tfidf.fit_transform(unigrams), TfidfTransformer(sublinear_tf=True).fit_transform(bigrams)

    counted = measure(one_pass, trace=False)
    vectorised = measure(lambda: sklearn_word_counts(terms), trace=False)
    same_vectors = all((a != b).nnz == 0 for a, b in zip(counted.result, vectorised.result, strict=True))
    table = Table("step", "before s", "now s", "ratio", "same result", title="Against the previous approach (1 thread)")
    table.add_row(
        f"top-{k} of {queries.shape[0]:,} projects x {ranker.docs_.shape[0]:,} calls: scipy product -> compiled",
        f"{before.seconds:.2f}",
        f"{ours.seconds:.2f}",
        f"{before.seconds / max(ours.seconds, 1e-9):.1f}x",
        str(same_top),
    )
    table.add_row(
        f"word vectors of {n_calls:,} calls: two TfidfVectorizer -> one pass",
        f"{vectorised.seconds:.2f}",
        f"{counted.seconds:.2f}",
        f"{vectorised.seconds / max(counted.seconds, 1e-9):.1f}x",
        str(same_vectors),
    )
    console.print(table)


def _compare_dense(small: Any, queries: Any, nc: int, npj: int, k: int) -> None:
    """Our chunked sparse top-k against dense cosine with a full sort, on the same vectors."""
    import numpy as np

    from cercabandi.matching.benchmark import measure, naive_top_k

    dense_bytes = 4 * small.docs_.shape[1] * (nc + npj) + 4 * nc * npj
    console.print(
        f"Dense comparison on {nc:,} calls x {npj:,} projects "
        f"({small.docs_.shape[1]:,} features, ~{dense_bytes / MB:.0f} MiB of dense arrays)"
    )
    ours = measure(lambda: small.top_k(queries, k))
    naive = measure(lambda: naive_top_k(queries, small.docs_, k))
    same = float(np.mean(ours.result[0] == naive.result[0]))
    close = bool(np.allclose(ours.result[1], naive.result[1], atol=1e-4))
    cmp = Table("approach", "wall s", "CPU s", "peak traced MiB")
    cmp.add_row(
        "chunked sparse + heap top-k", f"{ours.seconds:.2f}", f"{ours.cpu_seconds:.2f}", f"{ours.peak_bytes / MB:.0f}"
    )
    cmp.add_row(
        "dense cosine, full matrix, sort",
        f"{naive.seconds:.2f}",
        f"{naive.cpu_seconds:.2f}",
        f"{naive.peak_bytes / MB:.0f}",
    )
    console.print(cmp)
    console.print(
        f"Speed ratio naive/chunked: {naive.seconds / max(ours.seconds, 1e-9):.1f}x wall, "
        f"{naive.cpu_seconds / max(ours.cpu_seconds, 1e-9):.1f}x CPU; "
        f"memory ratio: {naive.peak_bytes / max(ours.peak_bytes, 1):.1f}x; "
        f"same top-{k} indices: {same:.1%} (scores equal: {close})"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="bench")
