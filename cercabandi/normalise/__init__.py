"""Normalisation: raw records become canonical funding calls (pure functions, ``now`` passed in).

Only ``cercabandi.core`` is imported. Entry point: ``normalise_record``.
"""

from cercabandi.normalise.errors import NormalisationError
from cercabandi.normalise.record import normalise_record

__all__ = ["NormalisationError", "normalise_record"]
