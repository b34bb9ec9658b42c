"""SQLAlchemy 2 models: every table of the pipeline.

Conventions: datetimes are stored in UTC and come back timezone-aware on SQLite
and PostgreSQL alike (``UTCDateTime``); JSON columns hold pydantic dumps of the
canonical models; constraint names follow ``NAMING_CONVENTION`` so Alembic can
alter them on SQLite (batch mode) and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def alembic_include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic compares only what the models describe: the full-text index of calls (SQLite's FTS5
    table and its shadow tables, PostgreSQL's GIN expression index) belongs to the migration."""
    if type_ == "table" and name is not None and name.startswith("calls_fts"):
        return False
    return not (type_ == "index" and name == "ix_calls_search_text_fts")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; returns them aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the database: pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType, list[Any]: JSONType}  # noqa: RUF012


# ------------------------------------------------------------------ sources & raw


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    level: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(100), default="")
    licence: Mapped[str] = mapped_column(String(200), default="")
    cadence: Mapped[str] = mapped_column(String(100), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_success_at: Mapped[datetime | None]
    last_item_count: Mapped[int | None] = mapped_column(Integer)


class CrawlRun(Base):
    """One crawl of one source. ``complete`` is true only for a successful, full listing."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    run_key: Mapped[str | None] = mapped_column(String(100), index=True)  # the nightly run it belongs to
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|ok|degraded|failing|failed
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    items: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    fill_rates: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    problems: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # why it is failing
    replay: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the crawl listed: native id -> [payload hash, fetched at (ISO)]. Normalising reads it,
    # so every call a crawl saw moves its ``last_seen`` whichever command normalises it.
    listing: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    normalised_at: Mapped[datetime | None]  # when normalisation read ``listing``


class RawRecord(Base):
    """Append-only: what a publisher said, verbatim. Identical payloads are stored once."""

    __tablename__ = "raw_records"
    __table_args__ = (UniqueConstraint("source_id", "native_id", "payload_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    native_id: Mapped[str] = mapped_column(String(300))
    payload_hash: Mapped[str] = mapped_column(String(64))
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    fetched_at: Mapped[datetime]
    record: Mapped[dict[str, Any]] = mapped_column(JSONType)  # RawCall.model_dump(mode="json")


class Quarantine(Base):
    """A raw record that could not be normalised, with reasons a person can act on."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("raw_record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_record_id: Mapped[int] = mapped_column(ForeignKey("raw_records.id"))
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    native_id: Mapped[str] = mapped_column(String(300))
    reasons: Mapped[list[Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


# ----------------------------------------------------------------------- calls


class Call(Base):
    """The current version of a normalised call; ``data`` is the FundingCall dump."""

    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(400), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    native_id: Mapped[str] = mapped_column(String(300))
    canonical_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id"), index=True)
    canonical_reason: Mapped[str | None] = mapped_column(String(300))  # why it is linked to canonical_id
    title: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(20), index=True)
    programme: Mapped[str | None] = mapped_column(String(300))
    issuer: Mapped[str | None] = mapped_column(String(300))
    opening_date: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)  # the last deadline
    rolling: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_by_publisher: Mapped[bool] = mapped_column(Boolean, default=False)
    budget_total: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    applicant_types: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    raw_record_id: Mapped[int | None] = mapped_column(ForeignKey("raw_records.id"))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    missing_count: Mapped[int] = mapped_column(Integer, default=0)  # complete crawls without it
    missing_since: Mapped[datetime | None]
    # Stems of the call's texts (core.search_text.document), indexed by the database's full-text search.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    versions: Mapped[list[CallVersion]] = relationship(
        back_populates="call", order_by="CallVersion.version", cascade="all, delete-orphan"
    )


class CallVersion(Base):
    __tablename__ = "call_versions"
    __table_args__ = (UniqueConstraint("call_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    diff: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # [{"field", "old", "new"}]
    created_at: Mapped[datetime]
    raw_record_id: Mapped[int | None] = mapped_column(ForeignKey("raw_records.id"))

    call: Mapped[Call] = relationship(back_populates="versions")


# ------------------------------------------------------------- comuni & projects


class Comune(Base):
    __tablename__ = "comuni"

    istat: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    province: Mapped[str] = mapped_column(String(2), default="MI")
    population: Mapped[int | None] = mapped_column(Integer)
    referent_email: Mapped[str | None] = mapped_column(String(300))


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Not unique: PNRR funds one CUP in several tranches, each its own project (own id).
    cup: Mapped[str | None] = mapped_column(String(15), index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    proponent: Mapped[str | None] = mapped_column(String(300))
    proponent_type: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(40), index=True)
    estimated_cost: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    cofinancing_available: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    funding_obtained: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(300))
    partners: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    themes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")  # stems, as for calls

    comuni: Mapped[list[Comune]] = relationship(secondary="project_comuni", order_by="Comune.name")


class ProjectComune(Base):
    __tablename__ = "project_comuni"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    istat: Mapped[str] = mapped_column(ForeignKey("comuni.istat"), primary_key=True, index=True)


# ------------------------------------------------------------ matches & reviews


class MatchRow(Base):
    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("call_id", "project_id"),
        # A call's best score and number of matches read from the index alone (triage queue, lists).
        Index("ix_matches_call_active_score", "call_id", "active", "score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # terms, gates, unknowns
    matcher_version: Mapped[str] = mapped_column(String(40), default="")
    first_matched_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # false once it drops out of the top-k


class MatchInputs(Base):
    """The fingerprint of the inputs of the last match step, so a night with nothing new reuses its matches."""

    __tablename__ = "match_inputs"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)  # "catalogue": every project ranked
    fingerprint: Mapped[str] = mapped_column(String(64))
    matcher_version: Mapped[str] = mapped_column(String(40), default="")
    computed_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str | None] = mapped_column(String(300))
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Bumped to end every session of the user (logout, password change, deactivation).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped when the password changes: calendar tokens carry it, so a new password revokes them.
    credential_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginFailure(Base):
    """A failed login or password confirmation, kept for the throttle (shared by every web worker)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(index=True)


class ReviewRow(Base):
    """A volunteer's or staff member's verdict on a call (for a project, or in general)."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_call_project", "call_id", "project_id"),
        Index("ix_reviews_call_reviewer", "call_id", "reviewer"),  # "has this person judged this call?"
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))  # username or e-mail (one-click feedback)
    tag: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    themes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    via: Mapped[str] = mapped_column(String(20), default="web")  # web | email | cli
    created_at: Mapped[datetime]


class Assignment(Base):
    """Staff assign a call to a project or to a comune."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    istat: Mapped[str | None] = mapped_column(ForeignKey("comuni.istat"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


# ------------------------------------------------------------------- digests


class Subscription(Base):
    """Who gets a digest. Empty scopes mean everything."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(300), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    comuni: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # ISTAT codes
    themes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    projects: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    language: Mapped[str] = mapped_column(String(2), default="it")
    item_cap: Mapped[int] = mapped_column(Integer, default=20)
    min_score: Mapped[float] = mapped_column(Float, default=0.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    unsubscribed_at: Mapped[datetime | None]


class DigestDelivery(Base):
    """One digest for one recipient and one period: the key of idempotent sending."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(40))  # e.g. "daily:2026-11-21", "weekly:2026-W47"
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sending|sent|failed|empty
    message_id: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    items: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # item keys included
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Who is sending it ("host:pid:nonce", see core.claims) and when, by the real clock: a
    # 'sending' delivery whose process is alive is in progress, not stuck.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None]


class DigestSentItem(Base):
    """What a recipient has already been told, so the next digest holds only news."""

    __tablename__ = "digest_sent_items"
    __table_args__ = (UniqueConstraint("subscription_id", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(500))  # e.g. "match:<call>:<project>", "change:<call>:v3"
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("digest_deliveries.id"))
    created_at: Mapped[datetime]


# ------------------------------------------------- applications & monitoring


class Organisation(Base):
    """A partner that is not a comune: a third-sector organisation, a school, a foundation..."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # a short slug chosen by staff
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # PartnerKind
    contact_email: Mapped[str | None] = mapped_column(String(300))  # private
    created_at: Mapped[datetime]


class Application(Base):
    """A candidatura for a call, or a funded project imported from open data (``origin``)."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    call_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id"), index=True)
    funding_source: Mapped[str | None] = mapped_column(String(300), index=True)
    lead_istat: Mapped[str | None] = mapped_column(ForeignKey("comuni.istat"), index=True)  # capofila
    lead_name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), index=True)  # ApplicationStatus
    amount_requested: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    cofinancing: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    amount_granted: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    deadline_on: Mapped[date | None] = mapped_column(Date)  # when the application is due
    themes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    story: Mapped[str | None] = mapped_column(Text)  # public short story
    good_practice: Mapped[str | None] = mapped_column(Text)  # public text when flagged as good practice
    note: Mapped[str | None] = mapped_column(Text)  # private
    origin: Mapped[str] = mapped_column(String(40), default="staff")  # staff | opendata:<dataset>
    external_ref: Mapped[str | None] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    call: Mapped[Call | None] = relationship()
    lead: Mapped[Comune | None] = relationship()
    projects: Mapped[list[Project]] = relationship(secondary="application_projects", order_by="Project.id")
    partners: Mapped[list[ApplicationPartner]] = relationship(
        order_by="ApplicationPartner.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[ApplicationEvent]] = relationship(order_by="ApplicationEvent.id", cascade="all, delete-orphan")
    documents: Mapped[list[ApplicationDocument]] = relationship(
        order_by="ApplicationDocument.id", cascade="all, delete-orphan"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        order_by="(Milestone.due_on, Milestone.id)", cascade="all, delete-orphan"
    )
    reporting: Mapped[list[ReportingDeadline]] = relationship(
        order_by="(ReportingDeadline.due_on, ReportingDeadline.id)", cascade="all, delete-orphan"
    )
    progress: Mapped[list[ProgressUpdate]] = relationship(
        order_by="(ProgressUpdate.as_of, ProgressUpdate.id)", cascade="all, delete-orphan"
    )


class ApplicationProject(Base):
    __tablename__ = "application_projects"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)


class ApplicationPartner(Base):
    """A comune (``istat``) or an organisation taking part, with its role."""

    __tablename__ = "application_partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # PartnerKind
    istat: Mapped[str | None] = mapped_column(ForeignKey("comuni.istat"))
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(200), default="partner")

    comune: Mapped[Comune | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class ApplicationEvent(Base):
    """One status change with its date and note: the history of an application."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    changed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class ApplicationDocument(Base):
    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime]


class Milestone(Base):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)


class ReportingDeadline(Base):
    """A rendicontazione deadline of a funded project."""

    __tablename__ = "reporting_deadlines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    submitted_on: Mapped[date | None] = mapped_column(Date)


class ProgressUpdate(Base):
    """The state of progress of a funded project on a date, and where it comes from."""

    __tablename__ = "progress_updates"
    __table_args__ = (UniqueConstraint("application_id", "as_of", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # ProgressStage
    spending_pct: Mapped[float | None] = mapped_column(Float)
    works_pct: Mapped[float | None] = mapped_column(Float)
    as_of: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)  # private
    created_at: Mapped[datetime]
