"""The 133 comuni of the Città metropolitana di Milano, and tolerant name resolution.

The list (``data/comuni_cm_milano.csv``: ISTAT code and official name) was written from
ISTAT's public list of Italian comuni ("Elenco dei comuni italiani", province code 015),
after the 2019 merger of Vermezzo and Zelo Surrigone into Vermezzo con Zelo (015251).
Population is left out on purpose: the public copies disagree on the census year.

Spreadsheets and publishers spell comuni in many ways: "SAN GIULIANO MILANESE",
"S. Giuliano M.se" (not handled), "Cernusco s/N", "Cassina de Pecchi", "Trezzo sull Adda",
"Comune di Rho", "Milano (MI)". ``resolve_comune`` accepts the harmless variants (case,
accents, apostrophes, hyphens, "S."/"Santo"/"San", dropped connectors such as "di" or
"sul", a leading "Comune di", a unique first word such as "Cernusco") and refuses to
guess otherwise: ``suggest_comuni`` offers the closest names for a person to choose.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from cercabandi.core.folding import fold, strip_accents
from cercabandi.core.models import ComuneRef

PROVINCE_CODE = "015"
DATA_FILE = "comuni_cm_milano.csv"

# Words that many people drop or abbreviate inside a comune's name.
_CONNECTORS = frozenset({"di", "al", "sul", "sull", "con", "de", "d", "su", "sopra", "del", "della", "dei", "in"})
# Abbreviations of "San"/"Santo"/"Santa" all collapse to one token.
_SAINTS = {"s": "san", "st": "san", "sto": "san", "sta": "san", "santo": "san", "santa": "san", "sant": "san"}
# Former names and common short forms that are not a prefix of the official name.
_ALIASES = {
    "zelo surrigone": "015251",  # merged into Vermezzo con Zelo in 2019
    "vermezzo": "015251",
}
# Phrases meaning "every comune of the Città metropolitana".
ALL_COMUNI_PHRASES = frozenset(
    {
        "tutti i comuni",
        "tutti",
        "tutto il territorio",
        "citta metropolitana",
        "citta metropolitana di milano",
        "intera citta metropolitana",
        "tutta la citta metropolitana",
        "provincia di milano",
    }
)
# Comune names that are also ordinary Italian words ("un'opera pubblica", "color magenta"):
# in free text they count only when written with a capital letter and not after an elision.
_COMMON_WORDS = frozenset({"015159", "015130", "015170"})  # Opera, Magenta, Pero
# Separators between several comuni in one cell.
_LIST_SPLIT_RE = re.compile(r"\s*(?:[;|\n,]|(?<![sS])/|\s-\s)\s*")


def _fold(text: str) -> str:
    """Lower case without accents; apostrophes and punctuation become spaces."""
    text = fold(text)
    text = re.sub(r"\([^)]*\)", " ", text)  # "Milano (MI)"
    text = re.sub(r"\bs\s*/\s*n\b\.?", " sul naviglio ", text)  # "Cernusco s/N"
    text = re.sub(r"\bs\s*/\s*", " sul ", text)  # "Trezzo s/Adda"
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _tokens(text: str) -> list[str]:
    tokens = [_SAINTS.get(tok, tok) for tok in _fold(text).split()]
    if tokens[:2] == ["comune", "di"]:
        tokens = tokens[2:]
    return tokens


def name_key(text: str) -> str:
    """The comparison key of a name: folded, saints unified (used by tests and callers)."""
    return " ".join(_tokens(text))


def _loose_key(tokens: Iterable[str]) -> str:
    return " ".join(tok for tok in tokens if tok not in _CONNECTORS)


@cache
def _load() -> tuple[ComuneRef, ...]:
    text = resources.files("cercabandi.core").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return tuple(ComuneRef(istat=row["istat"], name=row["name"]) for row in rows)


@cache
def _indexes() -> tuple[dict[str, ComuneRef], dict[str, ComuneRef], dict[str, ComuneRef]]:
    by_code = {c.istat: c for c in _load()}
    exact: dict[str, ComuneRef] = {}
    loose: dict[str, ComuneRef] = {}
    for comune in _load():
        tokens = _tokens(comune.name)
        exact[" ".join(tokens)] = comune
        loose[_loose_key(tokens)] = comune
    for alias, code in _ALIASES.items():
        exact.setdefault(alias, by_code[code])
        loose.setdefault(alias, by_code[code])
    return by_code, exact, loose


def all_comuni() -> list[ComuneRef]:
    """The 133 comuni, in ISTAT code order."""
    return list(_load())


def comune_by_istat(code: str) -> ComuneRef | None:
    code = code.strip()
    if code.isdigit() and len(code) <= 6:
        code = code.zfill(6)
    return _indexes()[0].get(code)


def resolve_comune(name: str) -> ComuneRef | None:
    """The comune a person meant by ``name``, or None when unknown or ambiguous.

    Accepts an ISTAT code ("015146" or "15146") too.
    """
    if not name or not name.strip():
        return None
    stripped = name.strip()
    if stripped.isdigit():
        return comune_by_istat(stripped)
    _, exact, loose = _indexes()
    tokens = _tokens(stripped)
    if not tokens:
        return None
    key = " ".join(tokens)
    if key in exact:
        return exact[key]
    loose_key = _loose_key(tokens)
    if loose_key in loose:
        return loose[loose_key]
    # A unique start: "Cernusco" or "Cassina de Pecchi" ... but never "Cerro" or "San".
    if loose_key and len(loose_key.replace(" ", "")) >= 4 and loose_key != "san":
        candidates = {c.istat: c for k, c in loose.items() if (k + " ").startswith(loose_key + " ")}
        if len(candidates) == 1:
            return next(iter(candidates.values()))
    return None


def suggest_comuni(name: str, n: int = 3) -> list[ComuneRef]:
    """The closest comuni to a name that did not resolve (for an error message)."""
    exact = _indexes()[1]
    key = name_key(name)
    if not key:
        return []
    matches = difflib.get_close_matches(key, list(exact), n=n, cutoff=0.6)
    # A prefix shared with several comuni ("Cerro", "Trezzano") lists them all.
    starts = [c for k, c in exact.items() if k.startswith(key + " ")]
    seen: dict[str, ComuneRef] = {}
    for comune in [*starts, *(exact[m] for m in matches)]:
        seen.setdefault(comune.istat, comune)
    return list(seen.values())[: max(n, len(starts))]


def is_all_comuni(value: str) -> bool:
    """Whether a cell means "every comune of the Città metropolitana"."""
    return " ".join(_fold(value).split()) in ALL_COMUNI_PHRASES


def resolve_comune_list(value: str) -> tuple[list[ComuneRef], list[str]]:
    """Split a cell naming one or more comuni; returns (resolved, unknown names as written).

    Separators: ``;`` ``|`` ``/`` ``,`` a newline or `` - ``. A cell meaning every comune
    ("TUTTI I COMUNI") gives all 133. A whole cell that is itself a comune name wins over
    splitting it.
    """
    value = value.strip()
    if not value:
        return [], []
    if is_all_comuni(value):
        return all_comuni(), []
    whole = resolve_comune(value)
    if whole is not None:
        return [whole], []
    found: dict[str, ComuneRef] = {}
    unknown: list[str] = []
    for part in _LIST_SPLIT_RE.split(value):
        part = part.strip()
        if not part:
            continue
        comune = resolve_comune(part)
        if comune is None:
            unknown.append(part)
        else:
            found.setdefault(comune.istat, comune)
    return list(found.values()), unknown


@cache
def _text_patterns() -> list[tuple[re.Pattern[str], ComuneRef]]:
    patterns = []
    for comune in sorted(_load(), key=lambda c: -len(c.name)):  # longest first
        words = [re.escape(w) for w in re.split(r"[\s'’-]+", comune.name) if w]
        body = r"[\s'’-]+".join(words)
        if comune.istat in _COMMON_WORDS:
            pattern = re.compile(rf"(?<![\w'’]){body}(?!\w)")  # case-sensitive, no elision before
        else:
            pattern = re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)
        patterns.append((pattern, comune))
    return patterns


def find_comuni_in_text(text: str) -> list[ComuneRef]:
    """Comuni named in free text, in order of first mention, each once.

    Longer names win over names they contain; names that are also common words
    (Opera, Magenta, Pero) count only with a capital letter and not after "l'".
    """
    if not text:
        return []
    folded = strip_accents(text)
    taken: list[tuple[int, int]] = []
    hits: list[tuple[int, ComuneRef]] = []
    for pattern, comune in _text_patterns():
        for match in pattern.finditer(folded):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            if comune.istat in _COMMON_WORDS and match.group(0).isupper() and len(match.group(0)) > 1:
                continue  # "OPERA" in an all-caps title is the word, not the comune
            taken.append((start, end))
            hits.append((start, comune))
    seen: dict[str, ComuneRef] = {}
    for _, comune in sorted(hits, key=lambda h: h[0]):
        seen.setdefault(comune.istat, comune)
    return list(seen.values())
