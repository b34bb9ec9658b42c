"""A call being normalised: the mutable working copy mappers fill, and its checked ending.

Mappers (one per source, and the generic one they build on) fill a ``Draft``; ``finish`` checks
it for consistency, turns contradictions into warnings or reasons, and builds the ``FundingCall``
(whose own validation errors become reasons too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pydantic import ValidationError

from cercabandi.core.models import Attachment, Deadline, FundingCall, RawCall, Territory
from cercabandi.core.vocab import ApplicantType, Instrument, Level, TerritoryScope
from cercabandi.normalise.dates import ROME
from cercabandi.normalise.errors import NormalisationError


@dataclass
class Draft:
    raw: RawCall
    now: datetime
    level: Level
    default_language: str
    default_territory: TerritoryScope
    title: str | None = None
    summary: str | None = None
    body_text: str = ""
    body_html: str | None = None
    language: str | None = None
    issuer: str | None = None
    programme: str | None = None
    instrument: Instrument = Instrument.GRANT
    instrument_reason: str | None = None
    url: str | None = None  # the page to read, when not the raw record's url
    data_url: str | None = None
    applicant_types: set[ApplicantType] = field(default_factory=set)
    applicants_text: str | None = None
    territory: Territory | None = None
    opening_date: datetime | None = None
    opening_from_text: bool = False
    deadlines: list[Deadline] = field(default_factory=list)
    deadline_has_time: dict[datetime, bool] = field(default_factory=dict)
    rolling: bool = False
    closed_by_publisher: bool = False
    budget_total: Decimal | None = None
    grant_min: Decimal | None = None
    grant_max: Decimal | None = None
    cofinancing_rate: float | None = None
    attachments: list[Attachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def add_deadline(self, at: datetime, label: str | None, *, has_time: bool) -> None:
        """Add a deadline; one per calendar day, the one stating an hour wins over a bare date."""
        day = at.astimezone(ROME).date()
        for index, existing in enumerate(self.deadlines):
            if existing.at.astimezone(ROME).date() != day:
                continue
            keep_new = has_time and not self.deadline_has_time.get(existing.at, False)
            if keep_new:
                self.deadlines[index] = Deadline(at=at, label=existing.label or label)
                self.deadline_has_time[at] = True
            elif label and not existing.label:
                self.deadlines[index] = Deadline(at=existing.at, label=label)
            return
        self.deadlines.append(Deadline(at=at, label=label))
        self.deadline_has_time[at] = has_time


def finish(draft: Draft, *, first_seen: datetime, last_seen: datetime) -> FundingCall:
    """Check the draft and build the call; contradictions are warnings, or reasons to quarantine."""
    reasons = list(draft.reasons) + _check(draft)
    if reasons:
        raise NormalisationError(reasons)
    return _build(draft, first_seen=first_seen, last_seen=last_seen)


def _check(draft: Draft) -> list[str]:
    """Contradictions that stop the call (returned), after fixing or warning about the milder ones."""
    raw = draft.raw
    reasons = []
    if not draft.title:
        reasons.append(
            f"no title: the {raw.source} spider gave none for {raw.url} (check its _parse_title against the page)"
        )
    if draft.grant_min is not None and draft.grant_max is not None and draft.grant_min > draft.grant_max:
        draft.warn(f"minimum grant {draft.grant_min} is above the maximum {draft.grant_max}: minimum ignored")
        draft.grant_min = None
    if draft.budget_total is not None and draft.grant_max is not None and draft.grant_max > draft.budget_total:
        draft.warn(f"maximum grant {draft.grant_max} is above the call's budget {draft.budget_total}: check both")
    if draft.opening_date and draft.deadlines and max(d.at for d in draft.deadlines) < draft.opening_date:
        if draft.opening_from_text:
            draft.warn(
                f"opening date {draft.opening_date.isoformat()} read from the text is after every deadline: ignored"
            )
            draft.opening_date = None
        else:
            reasons.append(
                f"the opening date {draft.opening_date.isoformat()} is after every deadline "
                f"({', '.join(d.at.isoformat() for d in draft.deadlines)}): the publisher's dates contradict "
                "each other, or a spider put a date under the wrong label"
            )
    return reasons


def _build(draft: Draft, *, first_seen: datetime, last_seen: datetime) -> FundingCall:
    raw = draft.raw
    assert draft.title is not None
    try:
        return FundingCall(
            id=raw.call_id,
            source=raw.source,
            native_id=raw.native_id,
            title=draft.title,
            summary=draft.summary,
            body_text=draft.body_text,
            body_html=draft.body_html,
            language=draft.language or draft.default_language,
            issuer=draft.issuer,
            level=draft.level,
            programme=draft.programme,
            instrument=draft.instrument,
            instrument_reason=draft.instrument_reason,
            applicant_types=sorted(draft.applicant_types),
            applicants_text=draft.applicants_text,
            territory=draft.territory or Territory(scope=draft.default_territory),
            opening_date=draft.opening_date,
            deadlines=draft.deadlines,
            rolling=draft.rolling,
            closed_by_publisher=draft.closed_by_publisher,
            budget_total=draft.budget_total,
            grant_min=draft.grant_min,
            grant_max=draft.grant_max,
            cofinancing_rate=draft.cofinancing_rate,
            url=draft.url or raw.url,
            data_url=draft.data_url,
            attachments=draft.attachments,
            first_seen=first_seen,
            last_seen=last_seen,
            warnings=draft.warnings,
        )
    except ValidationError as exc:
        raise NormalisationError(
            [
                f"{'.'.join(str(part) for part in error['loc']) or 'call'}: {error['msg']}"
                f" (value {str(error.get('input'))[:80]!r})"
                for error in exc.errors()
            ]
        ) from exc
