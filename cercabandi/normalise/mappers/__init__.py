"""Per-source mappers, in one explicit registry (no registration by import side effects).

A mapper takes a ``RawCall`` and ``now`` and returns a ``Draft``; ``normalise_record`` finishes it.
Every source of ``cercabandi.core.sources.SOURCES`` has an entry (a test checks it); a source
without one falls back to ``map_generic``, which reads only the label conventions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cercabandi.core.models import RawCall
from cercabandi.normalise.draft import Draft
from cercabandi.normalise.mappers.eu import map_eu_sedia, map_eu_urban_initiative
from cercabandi.normalise.mappers.foundations import map_fnd_cariplo
from cercabandi.normalise.mappers.generic import map_generic
from cercabandi.normalise.mappers.lombardia import map_lombardia_bandi
from cercabandi.normalise.mappers.national import (
    map_it_coesione,
    map_it_dait,
    map_it_incentivi,
    map_it_italiadomani,
    map_it_padigitale,
)

Mapper = Callable[[RawCall, datetime], Draft]

MAPPERS: dict[str, Mapper] = {
    "eu_sedia": map_eu_sedia,
    "lombardia_bandi": map_lombardia_bandi,
    "it_incentivi": map_it_incentivi,
    "it_padigitale": map_it_padigitale,
    "it_italiadomani": map_it_italiadomani,
    "it_coesione": map_it_coesione,
    "it_dait": map_it_dait,
    "fnd_cariplo": map_fnd_cariplo,
    "eu_urban_initiative": map_eu_urban_initiative,
}


def mapper_for(source: str) -> Mapper:
    return MAPPERS.get(source, map_generic)


__all__ = ["MAPPERS", "Mapper", "mapper_for"]
