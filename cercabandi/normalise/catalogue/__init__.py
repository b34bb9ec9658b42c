"""The project catalogue: read CSV/XLSX spreadsheets, validate rows into ``Project``s, write them back.

Imports only ``core``. ``load_catalogue`` reads and validates; ``export_table`` and
``rejected_table`` give what to write; ``write_table`` writes CSV or XLSX by extension.
"""

from cercabandi.normalise.catalogue.columns import EXPORT_HEADERS, FIELDS
from cercabandi.normalise.catalogue.parse import (
    PRESETS,
    Issue,
    ParsedCatalogue,
    ParsedRow,
    RejectedRow,
    load_catalogue,
    parse_grid,
)
from cercabandi.normalise.catalogue.table import CatalogueFileError, read_grid
from cercabandi.normalise.catalogue.themes import THEMES
from cercabandi.normalise.catalogue.writer import export_table, rejected_table, write_table

__all__ = [
    "EXPORT_HEADERS",
    "FIELDS",
    "PRESETS",
    "THEMES",
    "CatalogueFileError",
    "Issue",
    "ParsedCatalogue",
    "ParsedRow",
    "RejectedRow",
    "export_table",
    "load_catalogue",
    "parse_grid",
    "read_grid",
    "rejected_table",
    "write_table",
]
