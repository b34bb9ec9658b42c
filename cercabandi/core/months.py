"""Month names, the one list every stage reads: Italian (what users read and publishers write) and English.

``MONTHS_IT[0]`` is "gennaio". Normalisation adds the abbreviations publishers use on top
(``normalise.dates``); crawlers spot written dates with them; formatting writes them.
"""

from __future__ import annotations

MONTHS_IT = (
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
)
MONTHS_EN = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
