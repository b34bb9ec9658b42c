"""The provinces of Lombardy (and the Città metropolitana di Milano, ours), by their two-letter codes.

A call limited to provinces is for us only when the Città metropolitana (``MI``) is among them;
``Territory.covers`` asks ``OUR_PROVINCE``. Names are folded (lowercase, no accents).
"""

from __future__ import annotations

OUR_PROVINCE = "MI"

# code -> the folded names publishers use ("Prov. Mantova", "Provincia di Monza e della Brianza")
LOMBARD_PROVINCES: dict[str, tuple[str, ...]] = {
    "BG": ("bergamo",),
    "BS": ("brescia",),
    "CO": ("como",),
    "CR": ("cremona",),
    "LC": ("lecco",),
    "LO": ("lodi",),
    "MN": ("mantova",),
    "MI": ("milano",),
    "MB": ("monza e della brianza", "monza e brianza", "monza brianza", "monzabrianza", "monza"),
    "PV": ("pavia",),
    "SO": ("sondrio",),
    "VA": ("varese",),
}


def province_names_it(codes: list[str]) -> str:
    """ "Mantova, Pavia": the provinces' names as people write them, for pages and digests."""
    names = {"MB": "Monza e Brianza", "MI": "Città metropolitana di Milano"}
    return ", ".join(names.get(code, LOMBARD_PROVINCES.get(code, (code,))[0].title()) for code in codes)
