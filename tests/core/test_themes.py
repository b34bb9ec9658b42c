"""The theme vocabulary: one definition, read by slug or Italian label."""

from __future__ import annotations

import pytest

from cercabandi.catalogue import THEMES as CATALOGUE_THEMES
from cercabandi.core.themes import THEMES, theme_label, theme_slug


@pytest.mark.parametrize(
    ("value", "slug"),
    [
        ("urban_regeneration", "urban_regeneration"),
        ("Rigenerazione urbana", "urban_regeneration"),
        ("MOBILITA", "mobility"),
        ("  energia e comunità energetiche ", "energy"),
        ("social housing", "social_housing"),
        ("astronautica", None),
        ("", None),
    ],
)
def test_theme_slug_reads_slugs_and_italian_labels(value: str, slug: str | None) -> None:
    assert theme_slug(value) == slug


def test_labels_and_one_definition() -> None:
    assert theme_label("youth") == "Giovani" and theme_label("terzo settore") == "Terzo settore"
    assert CATALOGUE_THEMES is THEMES
    assert all(theme_slug(label) == slug for slug, label in THEMES.items())
