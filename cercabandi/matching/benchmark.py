"""Synthetic Italian calls and projects at scale, and the timing of ranking them.

Texts are drawn from the vocabulary of the domain (themes, works, places, the boilerplate of
administrative acts, measure codes, amounts and dates), with Zipf-like theme frequencies, so
vocabulary size and posting lengths behave like real calls rather than random strings.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from cercabandi.matching.analysis import words_only
from cercabandi.matching.ranker import TextRanker
from cercabandi.matching.topk import chunk_rows, top_k_rows

THEMES = (
    "rigenerazione urbana delle periferie",
    "riqualificazione di piazze e spazi pubblici",
    "efficientamento energetico degli edifici pubblici",
    "comunità energetiche rinnovabili",
    "messa in sicurezza delle scuole",
    "costruzione di asili nido e scuole dell'infanzia",
    "mense scolastiche e tempo pieno",
    "palestre e impianti sportivi",
    "piste ciclabili e mobilità sostenibile",
    "trasporto pubblico locale a basse emissioni",
    "digitalizzazione dei servizi comunali",
    "migrazione al cloud dei servizi digitali",
    "inclusione sociale di persone con disabilità",
    "housing sociale e abitare assistito per anziani",
    "contrasto alla povertà educativa",
    "valorizzazione del patrimonio culturale e dei borghi",
    "biblioteche e centri culturali di quartiere",
    "verde urbano e forestazione",
    "dissesto idrogeologico e difesa del suolo",
    "reti idriche e depurazione",
    "case della comunità e assistenza sanitaria territoriale",
    "servizio civile universale e politiche giovanili",
    "economia circolare e raccolta differenziata",
    "turismo sostenibile e cammini",
    "sicurezza stradale e moderazione del traffico",
)
WORKS = (
    "realizzazione",
    "ristrutturazione",
    "adeguamento sismico",
    "ampliamento",
    "recupero funzionale",
    "manutenzione straordinaria",
    "progettazione",
    "acquisto di attrezzature",
    "servizi di supporto",
    "percorsi di formazione",
    "attività di animazione territoriale",
    "studio di fattibilità",
)
PLACES = (
    "Milano",
    "Sesto San Giovanni",
    "Cinisello Balsamo",
    "Legnano",
    "Rho",
    "Cologno Monzese",
    "Paderno Dugnano",
    "Rozzano",
    "San Giuliano Milanese",
    "Pioltello",
    "Bollate",
    "Segrate",
    "Corsico",
    "Abbiategrasso",
    "San Donato Milanese",
    "Magenta",
    "Cernusco sul Naviglio",
    "Parabiago",
    "Trezzano sul Naviglio",
    "Melzo",
)
ISSUERS = (
    "Regione Lombardia",
    "Ministero dell'Interno",
    "Ministero dell'Istruzione e del Merito",
    "Fondazione Cariplo",
    "Presidenza del Consiglio dei Ministri",
    "Ministero della Cultura",
    "Città metropolitana di Milano",
    "Commissione europea",
    "Ministero dell'Ambiente e della Sicurezza Energetica",
)
APPLICANTS = (
    "comuni",
    "unioni di comuni",
    "enti del terzo settore",
    "istituzioni scolastiche",
    "aziende sanitarie",
    "associazioni di promozione sociale",
    "cooperative sociali",
    "università ed enti di ricerca",
)
BOILERPLATE = (
    "Avviso pubblico per la presentazione di proposte progettuali",
    "Il presente decreto disciplina le modalità di accesso al contributo",
    "Le domande devono essere presentate esclusivamente tramite la piattaforma telematica",
    "Sono ammissibili le spese sostenute a partire dalla data di pubblicazione",
    "Il contributo è concesso a fondo perduto nella misura massima dell'80 per cento",
    "La graduatoria sarà pubblicata sul sito istituzionale entro novanta giorni",
    "Per informazioni è possibile scrivere alla casella di posta elettronica certificata",
)


def _theme_weights(n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** 0.8
    return weights / weights.sum()


def synthetic_calls(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """Titles and bodies of ``n`` calls; every random choice drawn up front (numpy per draw was half the time)."""
    rng = np.random.default_rng(seed)
    # two distinct themes by weight: the two largest log-weights plus Gumbel noise (weighted draws without replacement)
    keys = np.log(_theme_weights(len(THEMES))) - np.log(-np.log(rng.random((n, len(THEMES)))))
    themes = np.argsort(-keys, axis=1)[:, :2]
    works = rng.integers(len(WORKS), size=(n, 2))
    boiler = np.argsort(rng.random((n, len(BOILERPLATE))), axis=1)[:, :3]  # three distinct sentences
    code = np.column_stack([rng.integers(1, 7, n), rng.integers(1, 5, n), rng.integers(1, 6, n), rng.integers(1, 5, n)])
    issuers, applicants = rng.integers(len(ISSUERS), size=n), rng.integers(len(APPLICANTS), size=(n, 2))
    money, day, month = rng.integers(1, 900, n), rng.integers(1, 28, n), rng.integers(1, 12, n)
    order = np.argsort(rng.random((n, 7)), axis=1)
    titles, bodies = [], []
    for i in range(n):
        first, second = THEMES[themes[i, 0]], THEMES[themes[i, 1]]
        work = WORKS[works[i, 0]]
        titles.append(f"Avviso n. {i % 997} {work} per {first} - anno {2020 + i % 7}")
        mission, component, investment, sub = code[i]
        sentences = [BOILERPLATE[j] for j in boiler[i]] + [
            f"Ente: {ISSUERS[issuers[i]]}. Misura M{mission}C{component}I{investment}.0{sub}",
            f"Obiettivo: {first} e {second}, con {work} e {WORKS[works[i, 1]]}",
            f"Possono partecipare {APPLICANTS[applicants[i, 0]]} e {APPLICANTS[applicants[i, 1]]}",
            f"Dotazione complessiva euro {money[i] * 10_000}, scadenza {day[i]}/{month[i]}/2027",
        ]
        bodies.append(". ".join(sentences[j] for j in order[i]) + ".")
    return titles, bodies


def synthetic_projects(n: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    themes = rng.choice(len(THEMES), size=n, p=_theme_weights(len(THEMES)))
    works, places = rng.integers(len(WORKS), size=n), rng.integers(len(PLACES), size=(n, 2))
    numbers, applicants, costs = (
        rng.integers(1, 200, n),
        rng.integers(len(APPLICANTS), size=n),
        rng.integers(50, 5000, n),
    )
    out = []
    for i in range(n):
        theme, work, place = THEMES[themes[i]], WORKS[works[i]], PLACES[places[i, 0]]
        out.append(
            f"{work.capitalize()} - {theme} a {place}*VIA {PLACES[places[i, 1]].upper()} {numbers[i]}*"
            f"Il comune di {place} intende procedere con {work} per {theme}, "
            f"in collaborazione con {APPLICANTS[applicants[i]]}; costo stimato {costs[i]} mila euro."
        )
    return out


@dataclass
class Timing:
    seconds: float
    cpu_seconds: float  # process CPU time: on a shared machine, closer to what an idle one would take
    peak_bytes: int  # tracemalloc peak (Python and numpy allocations)
    result: Any


def measure(fn: Callable[[], Any], *, trace: bool = True) -> Timing:
    if trace:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return Timing(seconds, cpu, peak, result)


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def run_ranker(ranker: TextRanker, titles: list[str], bodies: list[str], projects: list[str], k: int) -> dict[str, Any]:
    fit = measure(lambda: ranker.fit(titles, bodies), trace=False)
    transform = measure(lambda: ranker.transform(projects), trace=False)
    ranked = measure(lambda: ranker.top_k(transform.result, k))
    return {
        "fit": fit,
        "transform": transform,
        "top_k": ranked,
        "top_k_peak": ranked.peak_bytes,
        "result": ranked.result,
    }


def scipy_top_k(queries: Any, docs: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The previous top-k, as a baseline: scipy's sparse product densified, then ``np.partition`` with the
    same tie rule (lower index first), chunk by chunk like ``topk.top_k``, one thread."""
    queries, docs_t = sp.csr_matrix(queries, dtype=np.float32), sp.csr_matrix(docs, dtype=np.float32).T.tocsr()
    step = chunk_rows(docs_t.shape[1], 64 * 2**20)
    parts = [_partition_top_k((queries[s : s + step] @ docs_t).toarray(), k) for s in range(0, queries.shape[0], step)]
    return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])


def _partition_top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    kth = np.partition(scores, n_cols - k, axis=1)[:, n_cols - k]
    above, at = scores > kth[:, None], scores == kth[:, None]
    first_ties = at & (np.cumsum(at, axis=1) <= (k - above.sum(axis=1))[:, None])
    part = np.nonzero(above | first_ties)[1].reshape(n_rows, k)
    values = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(values, order, axis=1)


def sklearn_word_counts(terms: list[list[str]]) -> tuple[Any, Any]:
    """The previous word vectorisation, as a baseline: two ``TfidfVectorizer`` with callable analysers over the
    analysed terms (unigrams; bigrams of neighbouring words), each counting in Python."""

    def bigrams(doc: list[str]) -> list[str]:
        words = words_only(doc)
        return [f"{a} {b}" for a, b in pairwise(words)]

    unigrams = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True, dtype=np.float32).fit_transform(terms)
    return unigrams, TfidfVectorizer(analyzer=bigrams, sublinear_tf=True, dtype=np.float32).fit_transform(terms)


def naive_top_k(queries: Any, docs: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The naive way: dense vectors, the whole score matrix at once, then a full sort."""
    q = normalize(np.asarray(queries.toarray(), dtype=np.float32))
    d = normalize(np.asarray(docs.toarray(), dtype=np.float32))
    scores = q @ d.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(scores, order, axis=1)


__all__ = [
    "naive_top_k",
    "run_ranker",
    "scipy_top_k",
    "sklearn_word_counts",
    "synthetic_calls",
    "synthetic_projects",
    "top_k_rows",
]
