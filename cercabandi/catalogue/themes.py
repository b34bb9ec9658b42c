"""Project themes: a small vocabulary of slugs, recognised in Italian wording.

A "Temi" cell ("Rigenerazione urbana; CER") is mapped to these slugs; a theme nobody
recognises is kept as written (lower case), so a person's own tags are not lost. For
catalogues without a theme column (the PNRR open data), themes are derived from the CUP
classification, or from the title and description when the classification is empty.
"""

from __future__ import annotations

import re

from cercabandi.catalogue.values import split_list
from cercabandi.core.folding import fold_words
from cercabandi.core.themes import THEMES

# Word starts (folded) that signal a theme.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "urban_regeneration": (
        "rigenerazione",
        "riqualificazione urban",
        "periferi",
        "spazio pubblico",
        "spazi pubblici",
        "piani urbani integrati",
        "beni confiscati",
        "arredo urbano",
    ),
    "social_housing": (
        "housing",
        "abitativ",
        "alloggi",
        "edilizia residenziale",
        "residenziali urbani",
        "case popolari",
        "abitare",
    ),
    "welfare": (
        "welfare",
        "assistenz",
        "inclusione",
        "anzian",
        "disabil",
        "servizi sociali",
        "fragil",
        "poverta",
        "impresa sociale",
        "residenze per comunita",
        "edifici sociali",
        "socio assistenzial",
        "senza dimora",
    ),
    "education": (
        "scuol",
        "scolastic",
        "istruzione",
        "asili",
        "asilo",
        "nido",
        "didattic",
        "orientamento",
        "formazione",
    ),
    "digital": (
        "digital",
        "informatic",
        "sito web",
        "piattaform",
        "cloud",
        "software",
        "applicazioni",
        "pagopa",
        "spid",
        "telecomunicazion",
        "banda ultra",
        "sistemi informativi",
    ),
    "mobility": (
        "mobilita",
        "trasport",
        "ciclabil",
        "linee metropolitane",
        "tramvi",
        "stradal",
        "ferrovi",
        "parcheggi",
        "aeroport",
    ),
    "energy": (
        "energ",
        "fotovoltaic",
        "comunita energetic",
        "cer ",  # the acronym only: not "Cerro", "Cernusco"
        "efficientamento",
        "rinnovabil",
        "teleriscaldamento",
    ),
    "environment": (
        "ambient",
        "verde",
        "verdi",
        "idric",
        "rifiuti",
        "clima",
        "forest",
        "biodiversita",
        "dissesto",
        "acqua",
    ),
    "culture": ("cultur", "museo", "musei", "bibliotec", "teatr", "patrimonio", "restauro"),
    "sport": ("sport", "palestr", "piscin"),
    "health": ("sanit", "salute", "ospedal", "case della comunita", "telemedicina", "presidi sanitari"),
    "research": ("ricerc", "universit", "innovazion", "biotecnologi", "alta formazione"),
    "business": (
        "servizi alle imprese",
        "internazionalizz",
        "export",
        "commercio",
        "attivita produttive",
        "pmi",
        "piccole e medie imprese",
        "start up",
        "startup",
    ),
    "youth": ("giovan", "servizio civile"),
    "employment": ("lavoro", "occupazion"),
    "tourism": ("turism", "albergh"),
}
_PATTERNS = {
    slug: re.compile(r"\b(?:" + "|".join(re.escape(k) for k in words) + r")") for slug, words in _KEYWORDS.items()
}
_LABELS = {fold_words(label): slug for slug, label in THEMES.items()}


def themes_in_text(text: str) -> list[str]:
    """Theme slugs whose keywords occur in ``text``, in vocabulary order."""
    key = fold_words(text) + " "
    return [slug for slug, pattern in _PATTERNS.items() if pattern.search(key)]


def parse_themes(value: str) -> list[str]:
    """A "Temi" cell -> slugs; an item nobody recognises is kept as written, lower case."""
    result: dict[str, None] = {}
    for item in split_list(value.replace(",", ";")):
        key = fold_words(item)
        if key in THEMES or key.replace(" ", "_") in THEMES:
            result.setdefault(key.replace(" ", "_"), None)
        elif key in _LABELS:
            result.setdefault(_LABELS[key], None)
        else:
            found = themes_in_text(item)
            if found:
                for slug in found:
                    result.setdefault(slug, None)
            else:
                result.setdefault(item.strip().lower(), None)
    return list(result)
