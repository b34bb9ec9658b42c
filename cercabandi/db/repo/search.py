"""Full-text search over calls: one interface over SQLite FTS5 and PostgreSQL text search.

The store writes ``calls.search_text`` (the stems of title, summary, body, applicants,
publisher and programme: ``core.search_text.document``). On SQLite the ``calls_fts`` FTS5
table follows it through triggers; on PostgreSQL a GIN index over its ``tsvector`` serves the
``@@`` match. A question matches when every one of its stems starts a stored stem, in any
order: "urbana rigenerazione" and "rigenerazione urbana" agree, "citta" finds "città",
"asilo" finds "Asili nido".
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, func, literal, literal_column, select, text
from sqlalchemy.orm import Session

from cercabandi.core.models import FundingCall, Project
from cercabandi.core.search_text import document, query_terms
from cercabandi.db import models
from cercabandi.db.models import Call

FTS_TABLE = "calls_fts"


def search_document(call: FundingCall) -> str:
    """What is indexed for a call."""
    parts = (call.title, call.summary, call.body_text, call.applicants_text, call.issuer, call.programme, call.id)
    return document(parts)


def project_search_document(project: Project) -> str:
    """What is indexed for a project (a short text: searched by prefix, without a full-text index)."""
    return document((project.title, project.description, project.proponent, project.cup, project.id))


def project_search_clause(question: str) -> ColumnElement[bool]:
    """Projects matching every word of the question, stems as prefixes of stored stems."""
    wanted = query_terms(question)
    if not wanted:
        return false()
    padded = literal(" ") + models.Project.search_text
    return and_(*(padded.like(f"% {term}%") for term in wanted))


def search_clause(session: Session, question: str) -> ColumnElement[bool]:
    """Calls matching every word of the question (stems as prefixes), on the session's database."""
    wanted = query_terms(question)
    if not wanted:
        return false()
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        expression = " ".join(f'"{term}"*' for term in wanted)
        match = text(f"{FTS_TABLE} MATCH :q").bindparams(q=expression)
        return Call.id.in_(select(literal_column("call_id")).select_from(text(FTS_TABLE)).where(match))
    if dialect == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in wanted)
        vector = func.to_tsvector("simple", Call.search_text)
        return vector.op("@@")(func.to_tsquery("simple", tsquery))
    return and_(*((literal(" ") + Call.search_text).like(f"% {term}%") for term in wanted))
