"""``normalise_record``: one raw record to one canonical call, or a ``NormalisationError``.

Pure: no database, no network, no clock (``now`` is passed in and used only to judge whether a
date is plausible). Whatever goes wrong becomes a ``NormalisationError`` with reasons, so the
caller can quarantine the record instead of crashing the night or dropping it silently.
"""

from __future__ import annotations

from datetime import datetime

from cercabandi.core.models import FundingCall, RawCall
from cercabandi.normalise.draft import finish
from cercabandi.normalise.errors import NormalisationError
from cercabandi.normalise.mappers import mapper_for

INTERNAL_ERROR = "internal error"


def normalise_record(raw: RawCall, *, now: datetime, first_seen: datetime, last_seen: datetime) -> FundingCall:
    """The canonical call for ``raw``; raises ``NormalisationError`` with actionable reasons."""
    mapper = mapper_for(raw.source)
    try:
        draft = mapper(raw, now)
        return finish(draft, first_seen=first_seen, last_seen=last_seen)
    except NormalisationError:
        raise
    except Exception as exc:  # a bug in a mapper must quarantine one record, not stop the run
        raise NormalisationError(
            f"{INTERNAL_ERROR} in the {raw.source} mapper ({type(exc).__name__}: {exc}): a bug in "
            "cercabandi/normalise, please report it with this record"
        ) from exc
