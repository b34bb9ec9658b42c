"""The project catalogue stage: parse CSV/XLSX spreadsheets, validate rows into ``Project``s, write them back.

Pure and imports only ``core``: it takes and gives bytes, the files are read and written by
``flows.catalogue``. ``parse_catalogue`` reads and validates; ``export_table`` and ``rejected_table``
give what to write; ``table_bytes`` encodes it as CSV or XLSX by the file name's extension.
"""

from cercabandi.catalogue.columns import EXPORT_HEADERS, FIELDS
from cercabandi.catalogue.parse import (
    PRESETS,
    Issue,
    ParsedCatalogue,
    ParsedRow,
    RejectedRow,
    parse_catalogue,
    parse_grid,
)
from cercabandi.catalogue.table import CatalogueFileError, read_grid
from cercabandi.catalogue.themes import THEMES
from cercabandi.catalogue.writer import export_table, rejected_table, table_bytes

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
    "parse_catalogue",
    "parse_grid",
    "read_grid",
    "rejected_table",
    "table_bytes",
]
