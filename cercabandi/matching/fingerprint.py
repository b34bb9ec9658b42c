"""A fingerprint of everything a ranking depends on, so an unchanged night reuses the last one.

A ranking is a function of: the matcher's version and ``k``; every rankable call's content (its
content hash and the fields the gates read) and what ``now`` makes of it (status, next
deadline); every project's content; the reviews given as feedback. Equal fingerprints mean
the same matches: nothing needs re-fitting or re-scoring.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from cercabandi.core.models import FundingCall, Project, Review

# Call fields that only say when we saw it: they change every night and rank nothing.
_SEEN = {"first_seen", "last_seen"}


def _call_part(call: FundingCall, now: datetime) -> str:
    deadline = call.next_deadline(now)
    return "\x1f".join(
        (
            call.model_dump_json(exclude=_SEEN),
            call.status(now).value,
            "" if deadline is None else deadline.model_dump_json(),
        )
    )


def _digest(parts: Iterable[str]) -> str:
    sha = hashlib.sha256()
    for part in sorted(parts):
        sha.update(part.encode("utf-8"))
        sha.update(b"\x1e")
    return sha.hexdigest()


def inputs_fingerprint(
    calls: Sequence[FundingCall],
    projects: Sequence[Project],
    reviews: Sequence[Review],
    *,
    now: datetime,
    k: int,
    matcher_version: str,
) -> str:
    """sha256 over the inputs of one match step, independent of their order."""
    return _digest(
        [
            f"matcher\x1f{matcher_version}\x1f{k}",
            "calls\x1f" + _digest(_call_part(c, now) for c in calls),
            "projects\x1f" + _digest(p.model_dump_json() for p in projects),
            "reviews\x1f" + _digest(r.model_dump_json() for r in reviews),
        ]
    )
