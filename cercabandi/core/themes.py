"""The theme vocabulary: stable slugs (stored, used in code) and their Italian labels.

One definition for every stage: the catalogue maps "Temi" cells onto these slugs, the web
form offers the labels, and a subscription stores slugs. ``theme_slug`` reads either form.
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

_BY_LABEL = {fold_words(label): slug for slug, label in THEMES.items()}


def theme_slug(value: str) -> str | None:
    """The slug named by ``value`` (a slug or an Italian label, any case or accents), or None."""
    key = fold_words(value)
    slug = key.replace(" ", "_")
    if slug in THEMES:
        return slug
    return _BY_LABEL.get(key)


def theme_label(slug: str) -> str:
    """The Italian label of a slug; a tag outside the vocabulary is shown as written."""
    return THEMES.get(slug, slug)
