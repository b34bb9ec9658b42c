"""Which column holds which field: Italian headers recognised, ``--map`` and presets.

A header is compared after folding (lower case, no accents, punctuation and a trailing
"(EUR)" dropped) with the synonyms below, so "Titolo del progetto", "TITOLO_PROGETTO" and
"titolo progetto" all mean ``title``. Columns nobody recognises are kept verbatim in the
project's ``extra``. ``--map "Header=field"`` overrides everything; ``field`` may also be
``extra`` (keep as written) or ``ignore``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cercabandi.catalogue.table import CatalogueFileError, column_letter
from cercabandi.core.folding import fold_words

# The fields of core.models.Project that a column can fill.
FIELDS: tuple[str, ...] = (
    "id",
    "cup",
    "title",
    "description",
    "comuni",
    "proponent",
    "proponent_type",
    "partners",
    "themes",
    "estimated_cost",
    "cofinancing_available",
    "stage",
    "funding_obtained",
    "contact_name",
    "contact_email",
)
SPECIAL = ("extra", "ignore")

# The header each field gets on export: Italian, and recognised again on import.
EXPORT_HEADERS: dict[str, str] = {
    "id": "ID",
    "cup": "CUP",
    "title": "Titolo",
    "description": "Descrizione",
    "comuni": "Comuni",
    "proponent": "Soggetto proponente",
    "proponent_type": "Tipo proponente",
    "partners": "Partner",
    "themes": "Temi",
    "estimated_cost": "Costo stimato (EUR)",
    "cofinancing_available": "Cofinanziamento disponibile (EUR)",
    "stage": "Fase",
    "funding_obtained": "Finanziamento ottenuto",
    "contact_name": "Referente",
    "contact_email": "Email referente",
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "id progetto", "codice progetto", "cod progetto", "codice", "identificativo", "project id", "n"),
    "cup": ("cup", "codice cup", "codice unico di progetto", "cup progetto"),
    "title": (
        "titolo",
        "titolo progetto",
        "titolo del progetto",
        "titolo intervento",
        "nome progetto",
        "nome del progetto",
        "progetto",
        "denominazione",
        "denominazione progetto",
        "oggetto",
        "intervento",
        "title",
    ),
    "description": (
        "descrizione",
        "descrizione progetto",
        "descrizione del progetto",
        "descrizione intervento",
        "sintesi",
        "sintesi progetto",
        "sintesi del progetto",
        "abstract",
        "obiettivi",
        "description",
    ),
    "comuni": (
        "comune",
        "comuni",
        "comune i",
        "comuni coinvolti",
        "comune di riferimento",
        "comuni interessati",
        "localizzazione",
        "territorio",
        "comune localizzazione",
    ),
    "proponent": (
        "soggetto proponente",
        "proponente",
        "ente proponente",
        "soggetto attuatore",
        "ente attuatore",
        "soggetto capofila",
        "capofila",
        "ente capofila",
        "beneficiario",
        "ente",
    ),
    "proponent_type": (
        "tipo proponente",
        "tipologia proponente",
        "tipo soggetto",
        "tipologia soggetto",
        "tipo ente",
        "tipologia ente",
        "natura giuridica",
    ),
    "partners": ("partner", "partners", "partenariato", "soggetti partner", "enti partner", "partner di progetto"),
    "themes": ("temi", "tema", "ambito", "ambiti", "ambito tematico", "ambiti tematici", "tematica", "tematiche"),
    "estimated_cost": (
        "costo",
        "costo totale",
        "costo stimato",
        "costo complessivo",
        "costo previsto",
        "importo",
        "importo totale",
        "importo progetto",
        "valore",
        "valore progetto",
        "budget",
        "quadro economico",
    ),
    "cofinancing_available": (
        "cofinanziamento",
        "cofinanziamento disponibile",
        "quota cofinanziamento",
        "quota di cofinanziamento",
        "risorse proprie",
        "fondi propri",
    ),
    "stage": (
        "fase",
        "stato",
        "stato progetto",
        "stato del progetto",
        "stato avanzamento",
        "stato di avanzamento",
        "livello progettazione",
        "livello di progettazione",
        "livello progettuale",
        "maturita",
        "maturita progettuale",
    ),
    "funding_obtained": (
        "finanziamento ottenuto",
        "finanziamenti ottenuti",
        "fonte finanziamento",
        "fonte di finanziamento",
        "finanziato da",
        "finanziamento",
    ),
    "contact_name": ("referente", "nome referente", "referente progetto", "referente tecnico", "responsabile", "rup"),
    "contact_email": (
        "email",
        "e mail",
        "mail",
        "email referente",
        "e mail referente",
        "mail referente",
        "indirizzo email",
        "contatto email",
    ),
}

_LOOKUP: dict[str, str] = {syn: fld for fld, syns in SYNONYMS.items() for syn in syns}


def fold_header(header: str) -> str:
    words = fold_words(header).split()
    while len(words) > 1 and words[-1] in ("eur", "euro", "in"):  # "Costo (EUR)", "costo_totale_eur"
        words.pop()
    return " ".join(words)


def guess_field(header: str) -> str | None:
    """The field a header names, or None (the column is kept in ``extra``)."""
    return _LOOKUP.get(fold_header(header))


@dataclass
class ColumnMap:
    """Column index -> field (or ``extra``/``ignore``), with the headers as written."""

    headers: list[str]
    fields: dict[int, str]
    explicit: set[int] = field(default_factory=set)  # set with --map

    def column_of(self, fld: str) -> int | None:
        for index, name in self.fields.items():
            if name == fld:
                return index
        return None

    def describe(self, index: int) -> str:
        return f"{column_letter(index + 1)} {self.headers[index]!r}"


def parse_map_options(options: Sequence[str]) -> dict[str, str]:
    """``["Titolo X=title", ...]`` -> {folded header: field}; errors name the bad option."""
    result: dict[str, str] = {}
    for option in options:
        if "=" not in option:
            raise CatalogueFileError(f"--map {option!r}: write it as 'Column header=field', e.g. 'Nome opera=title'")
        header, _, target = option.rpartition("=")
        target = target.strip().lower()
        if target not in FIELDS and target not in SPECIAL:
            raise CatalogueFileError(
                f"--map {option!r}: unknown field {target!r}; fields are {', '.join(FIELDS + SPECIAL)}"
            )
        result[fold_header(header)] = target
    return result


def build_column_map(headers: Sequence[str], overrides: Mapping[str, str] | None = None) -> ColumnMap:
    """Map each header; explicit overrides (folded header -> field) win.

    Raises when an override names no column or when two columns claim one field.
    """
    overrides = dict(overrides or {})
    folded = [fold_header(h) for h in headers]
    fields: dict[int, str] = {}
    explicit: set[int] = set()
    for key in overrides:
        if key not in folded:
            listing = ", ".join(repr(h) for h in headers if h)
            raise CatalogueFileError(f"--map names a column {key!r} that is not in the file; columns are: {listing}")
    for index, key in enumerate(folded):
        if not key:
            continue
        if key in overrides:
            fields[index] = overrides[key]
            explicit.add(index)
        else:
            guessed = _LOOKUP.get(key)
            fields[index] = guessed or "extra"
    # Explicit choices take a field away from a guessed column ("--map Oggetto=title").
    claimed = {fields[i] for i in explicit}
    for index in list(fields):
        if index not in explicit and fields[index] in claimed and fields[index] in FIELDS:
            fields[index] = "extra"
    by_field: dict[str, list[int]] = {}
    for index, fld in fields.items():
        if fld in FIELDS:
            by_field.setdefault(fld, []).append(index)
    clashes = {fld: idx for fld, idx in by_field.items() if len(idx) > 1}
    if clashes:
        parts = [
            f"{', '.join(repr(headers[i]) for i in idx)} all look like {fld!r}" for fld, idx in sorted(clashes.items())
        ]
        first = next(iter(clashes.values()))
        raise CatalogueFileError(
            "; ".join(parts)
            + f": say which one with --map, e.g. --map '{headers[first[1]]}=extra' (keep it as extra information)"
        )
    return ColumnMap(headers=list(headers), fields=fields, explicit=explicit)
