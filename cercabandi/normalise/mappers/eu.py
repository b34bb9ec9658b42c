"""EU publishers: the Funding & Tenders portal (SEDIA) and the European Urban Initiative."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from cercabandi.core.models import Deadline, RawCall
from cercabandi.core.vocab import Instrument
from cercabandi.normalise.applicants import LOCAL_AUTHORITIES
from cercabandi.normalise.dates import ROME
from cercabandi.normalise.draft import Draft
from cercabandi.normalise.mappers.generic import Policy, map_generic

# The portal shows every topic's deadline as "<date> 17:00:00 Brussels time"; the search index
# keeps only the date (midnight UTC). Brussels and Rome share one clock.
SEDIA_DEADLINE_HOUR = time(17, 0)
# The portal's status code for a closed topic, as the search index states it.
SEDIA_CLOSED_RE = re.compile(r"^\s*31094503\b")
SEDIA_POLICY = Policy(cofinancing_funded_share=True, issuer="European Commission")
EUI_POLICY = Policy(
    cofinancing_funded_share=True,
    default_applicants=LOCAL_AUTHORITIES,
    default_applicants_note="applicants not stated: Innovative Actions are for urban authorities (comuni and their groupings)",
)


def _metadata(raw: RawCall) -> dict[str, Any]:
    payload = raw.payload if isinstance(raw.payload, dict) else {}
    search = payload.get("search", payload)
    metadata = search.get("metadata") if isinstance(search, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _first(metadata: dict[str, Any], key: str) -> str | None:
    value = metadata.get(key)
    values = value if isinstance(value, list) else [value]
    for item in values:
        if item is not None and str(item).strip():
            return str(item)
    return None


def budget_overview(raw: RawCall) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Budget, min and max contribution of this topic from SEDIA's ``budgetOverview`` (JSON in a string)."""
    text = _first(_metadata(raw), "budgetOverview")
    if not text:
        return None, None, None
    try:
        overview = json.loads(text)
        groups = overview.get("budgetTopicActionMap") or {}
        actions = [a for group in groups.values() for a in (group or []) if isinstance(a, dict)]
    except (ValueError, AttributeError, TypeError):
        return None, None, None
    identifier = raw.extra.get("topic_identifier") or _first(_metadata(raw), "identifier") or raw.native_id
    mine = [a for a in actions if str(a.get("action", "")).startswith(identifier)] or actions[:1]
    budget = Decimal(0)
    minimums: list[Decimal] = []
    maximums: list[Decimal] = []
    for action in mine:
        for amount in (action.get("budgetYearMap") or {}).values():
            try:
                budget += Decimal(str(amount))
            except ArithmeticError:
                continue
        for key, bucket in (("minContribution", minimums), ("maxContribution", maximums)):
            try:
                if action.get(key) not in (None, "", 0):
                    bucket.append(Decimal(str(action[key])))
            except ArithmeticError:
                continue
    return (budget or None), (min(minimums) if minimums else None), (max(maximums) if maximums else None)


def cascade_wall_clock(draft: Draft) -> None:
    """A cascade call's dates are the organiser's Brussels wall clock, though SEDIA writes them "+0000".

    "2027-02-14T23:59:00.000+0000" is 14 February 23:59 on the project's page, not 15 February
    00:59 in Rome: keep the digits and read them in Brussels time (Rome's clock). A bare date
    already reads as the end of that day in Rome, and opening dates come as midnight (days).
    """
    draft.deadlines = [
        Deadline(at=d.at.astimezone(UTC).replace(tzinfo=ROME), label=d.label)
        if draft.deadline_has_time.get(d.at, False)
        else d
        for d in draft.deadlines
    ]


def map_eu_sedia(raw: RawCall, now: datetime) -> Draft:
    draft = map_generic(raw, now, SEDIA_POLICY)
    if SEDIA_CLOSED_RE.match(raw.status or ""):
        draft.closed_by_publisher = True
    metadata = _metadata(raw)
    if not draft.title:
        draft.title = _first(metadata, "title") or (
            raw.payload.get("summary") if isinstance(raw.payload, dict) else None
        )
    # A spider that stored only the search record: read the budget overview ourselves.
    if draft.budget_total is None and draft.grant_max is None:
        budget, low, high = budget_overview(raw)
        draft.budget_total, draft.grant_min, draft.grant_max = budget, low, high
    kind = raw.extra.get("type") or _first(metadata, "type")
    if kind in ("1", "2"):
        draft.deadlines = [
            Deadline(
                at=d.at.astimezone(ROME).replace(hour=17, minute=0, second=0).astimezone(d.at.tzinfo), label=d.label
            )
            if not draft.deadline_has_time.get(d.at, False)
            else d
            for d in draft.deadlines
        ]
    if kind == "8":
        cascade_wall_clock(draft)
        draft.issuer = raw.issuer or raw.extra.get("project_acronym") or "EU-funded project (cascade funding)"
        draft.warn("cascade call: small grants run by an EU-funded project; its own rules apply")
    if kind == "0":
        draft.reasons.append("a procurement tender (SEDIA type 0) is out of scope: the eu_sedia spider should drop it")
    if "prize" in (raw.extra.get("types_of_action") or "").lower():
        draft.instrument, draft.instrument_reason = Instrument.PRIZE, "type of action says 'prize'"
    return draft


def map_eu_urban_initiative(raw: RawCall, now: datetime) -> Draft:
    return map_generic(raw, now, EUI_POLICY)
