"""Searching calls by words: one interface over the database's own text search."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_

from cercabandi.db.models import Call


def search_clause(q: str) -> ColumnElement[bool]:
    """Calls whose title, publisher, programme or id contain the text."""
    pattern = f"%{q.strip()}%"
    return or_(
        Call.title.ilike(pattern), Call.issuer.ilike(pattern), Call.programme.ilike(pattern), Call.id.ilike(pattern)
    )
