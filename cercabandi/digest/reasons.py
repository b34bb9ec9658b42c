"""Why a call matched a project, in Italian, from ``matches.explanation`` (terms, gates, unknowns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# gate -> (passed, failed, unknown); a passed "status" gate goes unsaid (closed calls are never listed)
_GATES: dict[str, tuple[str, str, str]] = {
    "status": ("", "bando non aperto", "stato del bando da verificare"),
    "instrument": ("", "non è un finanziamento", "tipo di bando da verificare"),
    "applicant": ("soggetto ammissibile", "soggetto forse non ammissibile", "ammissibilità del soggetto da verificare"),
    "territory": ("territorio", "territorio forse escluso", "territorio da verificare"),
    "budget": ("importi", "importi forse non compatibili con il costo del progetto", "importi da verificare"),
}

# What could not be checked, by field name or by the matcher's (English) gate reason.
_UNKNOWNS: dict[str, str] = {
    "applicant": "soggetti ammessi non indicati dal bando",
    "applicant_types": "soggetti ammessi non indicati dal bando",
    "territory": "territorio non indicato dal bando",
    "budget": "importi non indicati dal bando",
    "budget_total": "dotazione non indicata dal bando",
    "grant_max": "contributo massimo non indicato dal bando",
    "deadline": "scadenza non indicata dal bando",
    "deadlines": "scadenza non indicata dal bando",
    "estimated_cost": "costo del progetto non indicato nel catalogo",
    "proponent_type": "tipo di ente proponente non indicato nel catalogo",
    "eligible applicants not stated": "soggetti ammessi non indicati dal bando",
    "grant range not stated": "importi del contributo non indicati dal bando",
    "project's estimated cost not stated": "costo del progetto non indicato nel catalogo",
    "project's proponent type not stated": "tipo di ente proponente non indicato nel catalogo",
    "project's comune not stated": "comune del progetto non indicato nel catalogo (il bando è limitato ad alcuni comuni)",
}


def _unknown_it(text: str) -> str | None:
    """The Italian for a known doubt; the matcher's reasons may carry details after " (" or ": "."""
    for candidate in (text, text.split(" (", 1)[0], text.split(": ", 1)[0]):
        if candidate in _UNKNOWNS:
            return _UNKNOWNS[candidate]
    return None


MAX_TERMS = 5


def _terms(explanation: Mapping[str, Any]) -> list[str]:
    found: list[tuple[float, str]] = []
    for item in explanation.get("terms") or []:
        if isinstance(item, Mapping) and item.get("term"):
            found.append((float(item.get("weight") or 0.0), str(item["term"])))
        elif isinstance(item, list | tuple) and item:
            found.append((float(item[1]) if len(item) > 1 else 0.0, str(item[0])))
        elif isinstance(item, str):
            found.append((0.0, item))
    found.sort(key=lambda pair: -pair[0])  # stable: equal weights keep the matcher's order
    return [term for _, term in found[:MAX_TERMS]]


def explain(explanation: Mapping[str, Any] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(reasons, doubts): what speaks for the match, and what a person should check."""
    explanation = explanation or {}
    reasons: list[str] = []
    passed_checks: list[str] = []
    doubts: list[str] = []
    terms = _terms(explanation)
    if terms:
        reasons.append("parole in comune: " + ", ".join(terms))
    gate_reasons: set[str] = set()
    for gate in explanation.get("gates") or []:
        if not isinstance(gate, Mapping):
            continue
        name = str(gate.get("gate", ""))
        passed = gate.get("passed")
        reason = str(gate.get("reason") or "")
        gate_reasons.add(reason)
        ok, failed, unknown = _GATES.get(name, (f"{name}: sì", f"{name}: no", f"{name}: da verificare"))
        if passed is True:
            if ok:
                passed_checks.append(ok)
        elif passed is False:
            doubts.append(failed)
        else:
            doubts.append(_unknown_it(reason) or unknown)
    if passed_checks:
        reasons.append("verificati: " + ", ".join(passed_checks))
    for unknown_item in explanation.get("unknowns") or []:
        text = str(unknown_item)
        italian = _unknown_it(text)
        if italian is None and text in gate_reasons:
            continue  # the matcher repeats an unknown gate's reason: already said above, in Italian
        if (italian or text) not in doubts:
            doubts.append(italian or text)
    return tuple(reasons), tuple(doubts)
