"""Canonical models: the contracts between pipeline stages.

Every model rejects unknown fields, and every datetime must carry a timezone
(stored and compared in UTC). Status is never stored: ``FundingCall.status(now)``
derives it from the dates.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from cercabandi.core.provinces import LOMBARD_PROVINCES, OUR_PROVINCE
from cercabandi.core.vocab import (
    ApplicantType,
    CallStatus,
    Instrument,
    Level,
    ProjectStage,
    ReviewReason,
    ReviewTag,
    TerritoryScope,
)

SOURCE_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
CUP_RE = re.compile(r"^[A-Z]\d{2}[A-Z]\d{11}$")
ISTAT_RE = re.compile(r"^\d{6}$")


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"datetime {value.isoformat()} has no timezone: give it one (UTC or Europe/Rome) "
            "so it is not read in the machine's local time"
        )
    return value.astimezone(UTC)


AwareDatetime = Annotated[datetime, AfterValidator(_aware_utc)]


def _non_blank(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be empty or only spaces")
    return stripped


NonBlank = Annotated[str, AfterValidator(_non_blank)]


class Contract(BaseModel):
    """Base of every canonical model: unknown fields are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, validate_assignment=True)


# --------------------------------------------------------------------------- raw


class Labelled(Contract):
    """A verbatim string with a label saying what it is; ``value`` is exactly as written.

    Spiders use these labels when they know the meaning, so normalisation can rely on them:
    dates: ``published``, ``opening``, ``deadline`` (one per deadline; a stage may follow
    after a colon, e.g. ``deadline: second stage``), ``period`` (a phrase holding both,
    "dal 02/03 al 03/06/2026"), ``closing_note`` ("fino ad esaurimento fondi");
    amounts: ``budget``, ``grant_min``, ``grant_max``, ``cofinancing``, ``amount`` (meaning
    unknown: a sentence with a figure). Any other label is kept and shown as written.
    """

    label: str
    value: str


class Attachment(Contract):
    url: str
    title: str | None = None
    media_type: str | None = None
    text: str | None = None  # extracted text of a PDF, capped


class RawCall(Contract):
    """What a spider yields: the publisher's fields as verbatim strings, plus the payload."""

    source: str
    url: str
    fetched_at: AwareDatetime
    native_id: NonBlank
    title: str | None = None
    summary: str | None = None
    body: str | None = None  # HTML or text as published
    dates: list[Labelled] = Field(default_factory=list)
    amounts: list[Labelled] = Field(default_factory=list)
    applicants: str | None = None
    territory: str | None = None
    programme: str | None = None
    issuer: str | None = None
    status: str | None = None  # the publisher's own status wording, if any
    attachments: list[Attachment] = Field(default_factory=list)
    extra: dict[str, str] = Field(default_factory=dict)  # other verbatim fields
    payload: Any = None  # the raw JSON object or HTML text the fields came from
    payload_type: str = "json"  # json | html | xml | text

    @field_validator("source")
    @classmethod
    def _source_slug(cls, value: str) -> str:
        if not SOURCE_ID_RE.match(value):
            raise ValueError(f"source id {value!r} must be a lowercase slug like 'eu_sedia' or 'lombardia_bandi'")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"url {value!r} must be an absolute http(s) address")
        return value

    @property
    def call_id(self) -> str:
        return f"{self.source}:{self.native_id}"

    def payload_hash(self) -> str:
        """Hash of everything the publisher said, not of when we fetched it.

        Two fetches of an unchanged record share it, so the raw store keeps one copy.
        """
        data = self.model_dump(mode="json", exclude={"fetched_at"})
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------- canonical


class Deadline(Contract):
    at: AwareDatetime
    label: str | None = None  # stage: "first stage", "cut-off 2", "seconda finestra"...


class Territory(Contract):
    scope: TerritoryScope
    comuni: list[str] = Field(default_factory=list)  # ISTAT codes when scope is COMUNI
    provinces: list[str] = Field(default_factory=list)  # two-letter codes when scope is PROVINCES
    text: str | None = None  # the source's wording

    @field_validator("provinces")
    @classmethod
    def _province_codes(cls, value: list[str]) -> list[str]:
        bad = [code for code in value if code not in LOMBARD_PROVINCES]
        if bad:
            raise ValueError(f"province codes must be Lombard ones ({', '.join(LOMBARD_PROVINCES)}), got {bad}")
        return sorted(set(value))

    @field_validator("comuni")
    @classmethod
    def _istat_codes(cls, value: list[str]) -> list[str]:
        bad = [code for code in value if not ISTAT_RE.match(code)]
        if bad:
            raise ValueError(f"ISTAT codes must be six digits (e.g. '015146' for Milano), got {bad}")
        return sorted(set(value))

    @model_validator(mode="after")
    def _comuni_need_codes(self) -> Territory:
        if self.scope is TerritoryScope.COMUNI and not self.comuni:
            raise ValueError("a territory limited to comuni must list at least one ISTAT code")
        if self.scope is TerritoryScope.PROVINCES and not self.provinces:
            raise ValueError("a territory limited to provinces must list at least one province code")
        return self

    def covers(self, istat_code: str) -> bool | None:
        """Whether a comune of the Città metropolitana di Milano lies in this territory.

        Every comune of ours is in the EU, Italy and Lombardy, so only an explicit
        list of comuni, a list of provinces without ours, or a territory limited to other
        regions can exclude it.
        """
        if self.scope is TerritoryScope.COMUNI:
            return istat_code in self.comuni
        if self.scope is TerritoryScope.PROVINCES:
            return OUR_PROVINCE in self.provinces
        if self.scope is TerritoryScope.OTHER_REGIONS:
            return False
        return True

    @property
    def excludes_us(self) -> bool:
        """Limited to places none of our comuni lies in (other regions, other provinces)."""
        if self.scope is TerritoryScope.OTHER_REGIONS:
            return True
        return self.scope is TerritoryScope.PROVINCES and OUR_PROVINCE not in self.provinces


# Fields whose change makes a new version of a call. first_seen/last_seen and the
# derived status are deliberately absent: seeing a call again is not news.
HASH_FIELDS: tuple[str, ...] = (
    "title",
    "summary",
    "body_text",
    "issuer",
    "level",
    "programme",
    "instrument",
    "applicant_types",
    "applicants_text",
    "territory",
    "opening_date",
    "deadlines",
    "rolling",
    "closed_by_publisher",
    "budget_total",
    "grant_min",
    "grant_max",
    "cofinancing_rate",
    "url",
    "attachments",
)

Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]


class FundingCall(Contract):
    """A normalised funding call."""

    id: str
    source: str
    native_id: NonBlank
    title: NonBlank
    summary: str | None = None
    body_text: str = ""
    body_html: str | None = None  # sanitised, safe to display
    language: str = "it"
    issuer: str | None = None
    level: Level
    programme: str | None = None
    instrument: Instrument = Instrument.GRANT
    instrument_reason: str | None = None  # why: "title says 'accordo quadro'"
    applicant_types: list[ApplicantType] = Field(default_factory=list)  # empty = not stated
    applicants_text: str | None = None
    territory: Territory = Field(default_factory=lambda: Territory(scope=TerritoryScope.ITALY))
    opening_date: AwareDatetime | None = None
    deadlines: list[Deadline] = Field(default_factory=list)
    rolling: bool = False  # "a sportello": open until the publisher closes it
    closed_by_publisher: bool = False
    budget_total: Money | None = None
    grant_min: Money | None = None
    grant_max: Money | None = None
    # Share of the eligible cost the APPLICANT must cover with its own funds (0.2 = 20 % own
    # funds, the funder pays 80 %); see cercabandi/normalise/amounts.py for how it is read.
    cofinancing_rate: float | None = Field(default=None, ge=0, le=1)
    url: str  # the publisher's page a person reads
    data_url: str | None = None  # the open-data record the call was read from, when not the page
    attachments: list[Attachment] = Field(default_factory=list)
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    warnings: list[str] = Field(default_factory=list)  # e.g. "deadline 2099-01-01 ignored: implausible"

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2}", value):
            raise ValueError(f"language {value!r} must be a two-letter ISO 639-1 code such as 'it' or 'en'")
        return value

    @field_validator("applicant_types")
    @classmethod
    def _unique_applicants(cls, value: list[ApplicantType]) -> list[ApplicantType]:
        return sorted(set(value))

    @field_validator("deadlines")
    @classmethod
    def _sorted_deadlines(cls, value: list[Deadline]) -> list[Deadline]:
        return sorted(value, key=lambda d: d.at)

    @model_validator(mode="after")
    def _consistent(self) -> FundingCall:
        expected = f"{self.source}:{self.native_id}"
        if self.id != expected:
            raise ValueError(f"id must be '<source>:<native id>', i.e. {expected!r}, got {self.id!r}")
        if self.grant_min is not None and self.grant_max is not None and self.grant_min > self.grant_max:
            raise ValueError(
                f"minimum grant {self.grant_min} is larger than maximum grant {self.grant_max}: "
                "check whether the two amounts were swapped"
            )
        if self.opening_date and self.deadlines and self.deadlines[-1].at < self.opening_date:
            raise ValueError(
                f"every deadline is before the opening date {self.opening_date.isoformat()}: "
                "a publication or opening date was probably read as a deadline"
            )
        if self.last_seen < self.first_seen:
            raise ValueError("last_seen is earlier than first_seen")
        return self

    def next_deadline(self, now: datetime) -> Deadline | None:
        now = _aware_utc(now)
        for deadline in self.deadlines:
            if deadline.at >= now:
                return deadline
        return None

    def status(self, now: datetime) -> CallStatus:
        """Status at ``now``: forthcoming before opening, closed after the last deadline."""
        now = _aware_utc(now)
        if self.closed_by_publisher:
            return CallStatus.CLOSED
        if self.opening_date is not None and now < self.opening_date:
            return CallStatus.FORTHCOMING
        if self.deadlines:
            return CallStatus.OPEN if self.deadlines[-1].at >= now else CallStatus.CLOSED
        # No deadline: "a sportello" (rolling) or simply not stated; open until the publisher closes it.
        return CallStatus.OPEN

    def content_hash(self) -> str:
        data = self.model_dump(mode="json", include=set(HASH_FIELDS))
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------ projects


class ComuneRef(Contract):
    istat: str
    name: NonBlank

    @field_validator("istat")
    @classmethod
    def _istat(cls, value: str) -> str:
        if not ISTAT_RE.match(value):
            raise ValueError(f"ISTAT code {value!r} must be six digits, e.g. '015146' for Milano")
        return value


class Project(Contract):
    """A municipal project of the catalogue."""

    id: NonBlank  # the CUP when the project has one
    cup: str | None = None
    title: NonBlank
    description: str = ""
    comuni: list[ComuneRef] = Field(default_factory=list)
    proponent: str | None = None  # name of the proposing body, as written
    proponent_type: ApplicantType | None = None
    partners: list[str] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)
    estimated_cost: Money | None = None
    cofinancing_available: Money | None = None
    stage: ProjectStage | None = None
    funding_obtained: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)

    @field_validator("cup")
    @classmethod
    def _cup(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().upper()
        if not CUP_RE.match(value):
            raise ValueError(
                f"CUP {value!r} is malformed: a CUP has 15 characters, letter-2 digits-letter-11 digits "
                "(e.g. B21F22000420006)"
            )
        return value

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"e-mail address {value!r} is not valid")
        return value


# ------------------------------------------------------------------ match & review


class GateResult(Contract):
    """One eligibility check: passed (True), failed (False) or unknown (None)."""

    gate: str  # status | applicant | territory | budget
    passed: bool | None
    reason: str  # human-readable, Italian-free English for logs; the web/digest translate


class TermContribution(Contract):
    term: str
    weight: float


class DuplicateLink(Contract):
    """One announcement of a call linked to the canonical announcement of the same call, and why."""

    call_id: str
    canonical_id: str
    reason: str


class Match(Contract):
    call_id: str
    project_id: str
    score: float
    rank: int = Field(ge=1)
    terms: list[TermContribution] = Field(default_factory=list)
    gates: list[GateResult] = Field(default_factory=list)
    unknowns: list[str] = Field(default_factory=list)


MAX_NOTE_CHARS = 2_000  # a reviewer's note, from the web form or an e-mail link


class Review(Contract):
    call_id: str
    project_id: str | None = None
    tag: ReviewTag
    reason: ReviewReason | None = None
    reviewer: NonBlank
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS)
    themes: list[str] = Field(default_factory=list)
    at: AwareDatetime

    @model_validator(mode="after")
    def _reason_for_rejection(self) -> Review:
        if self.tag is ReviewTag.NOT_RELEVANT and self.reason is None:
            raise ValueError("a 'not relevant' review needs a reason (applicant_type, territory, theme, ...)")
        return self


# Italian publishers' clock: a date or time written without a zone is Rome time, and a deadline's
# calendar day is its day in Rome (what users see is in ``Settings.tz``, the office's timezone).
ROME = ZoneInfo("Europe/Rome")


def utcnow() -> datetime:
    """The current time in UTC; only composition roots call it, and pass it down."""
    return datetime.now(UTC)
