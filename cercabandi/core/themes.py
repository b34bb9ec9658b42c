"""The project themes' vocabulary: slug -> Italian label.

Shared by the catalogue (which recognises themes in Italian wording), the dashboard and the
public site, so every page names a theme the same way.
"""

from __future__ import annotations

from cercabandi.core.folding import fold_words

THEMES: dict[str, str] = {  # slug -> Italian label
    "urban_regeneration": "Rigenerazione urbana",
    "social_housing": "Abitare sociale",
    "welfare": "Welfare e inclusione",
    "education": "Scuola e formazione",
    "digital": "Digitalizzazione PA",
    "mobility": "Mobilità",
    "energy": "Energia e comunità energetiche",
    "environment": "Ambiente e verde",
    "culture": "Cultura",
    "sport": "Sport",
    "health": "Salute",
    "research": "Ricerca e innovazione",
    "business": "Imprese",
    "youth": "Giovani",
    "employment": "Lavoro",
    "tourism": "Turismo",
}


def theme_label(slug: str) -> str:
    """The Italian label of a theme (a theme nobody recognised is shown as written, capitalised)."""
    return THEMES.get(slug, slug[:1].upper() + slug[1:])


def theme_slug(value: str) -> str | None:
    """The slug of a theme given by slug or Italian label, whatever the case and accents; None when unknown."""
    key = fold_words(value)
    for slug, label in THEMES.items():
        if key in (fold_words(slug), fold_words(label)):
            return slug
    return None
