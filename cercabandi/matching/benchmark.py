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
from typing import Any

import numpy as np
from sklearn.preprocessing import normalize

from cercabandi.matching.ranker import TextRanker
from cercabandi.matching.topk import top_k_rows

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
    rng = np.random.default_rng(seed)
    p = _theme_weights(len(THEMES))
    titles, bodies = [], []
    for i in range(n):
        themes = rng.choice(len(THEMES), size=2, replace=False, p=p)
        work = WORKS[rng.integers(len(WORKS))]
        mission, comp, inv = rng.integers(1, 7), rng.integers(1, 5), rng.integers(1, 6)
        titles.append(f"Avviso n. {i % 997} {work} per {THEMES[themes[0]]} - anno {2020 + i % 7}")
        sentences = [BOILERPLATE[j] for j in rng.choice(len(BOILERPLATE), size=3, replace=False)] + [
            f"Ente: {ISSUERS[rng.integers(len(ISSUERS))]}. Misura M{mission}C{comp}I{inv}.0{rng.integers(1, 5)}",
            f"Obiettivo: {THEMES[themes[0]]} e {THEMES[themes[1]]}, con {work} e {WORKS[rng.integers(len(WORKS))]}",
            f"Possono partecipare {APPLICANTS[rng.integers(len(APPLICANTS))]} e {APPLICANTS[rng.integers(len(APPLICANTS))]}",
            f"Dotazione complessiva euro {rng.integers(1, 900) * 10_000}, scadenza {rng.integers(1, 28)}/{rng.integers(1, 12)}/2027",
        ]
        rng.shuffle(sentences)
        bodies.append(". ".join(sentences) + ".")
    return titles, bodies


def synthetic_projects(n: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    p = _theme_weights(len(THEMES))
    out = []
    for _ in range(n):
        theme = THEMES[rng.choice(len(THEMES), p=p)]
        work = WORKS[rng.integers(len(WORKS))]
        place = PLACES[rng.integers(len(PLACES))]
        out.append(
            f"{work.capitalize()} - {theme} a {place}*VIA {PLACES[rng.integers(len(PLACES))].upper()} {rng.integers(1, 200)}*"
            f"Il comune di {place} intende procedere con {work} per {theme}, "
            f"in collaborazione con {APPLICANTS[rng.integers(len(APPLICANTS))]}; costo stimato {rng.integers(50, 5000)} mila euro."
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


def naive_top_k(queries: Any, docs: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The naive way: dense vectors, the whole score matrix at once, then a full sort."""
    q = normalize(np.asarray(queries.toarray(), dtype=np.float32))
    d = normalize(np.asarray(docs.toarray(), dtype=np.float32))
    scores = q @ d.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(scores, order, axis=1)


__all__ = ["naive_top_k", "run_ranker", "synthetic_calls", "synthetic_projects", "top_k_rows"]
