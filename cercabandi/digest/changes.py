"""What changed in a call, for the digest: the wording is ``core.changes``', shared with the web and the run report.

Works on two FundingCall dumps (``call_versions.data`` of consecutive versions) and
falls back to the stored field-level diff (``[{"field", "old", "new"}]``) when the
previous snapshot is missing. Changes of wording (title, body) are not news here.
"""

from __future__ import annotations

from typing import Any

from cercabandi.core.changes import WATCHED_FIELDS, deadline_pairs, describe_changes, parse_datetime, parse_decimal
from cercabandi.digest.model import DeadlineFact

__all__ = ["WATCHED_FIELDS", "describe_changes", "parse_datetime", "parse_deadlines", "parse_decimal"]


def parse_deadlines(value: Any) -> tuple[DeadlineFact, ...]:
    """Deadlines from a dump: ``[{"at": iso, "label": ...}]`` (or bare ISO strings), soonest first."""
    return tuple(DeadlineFact(at=d.at, label=d.label) for d in deadline_pairs(value))
