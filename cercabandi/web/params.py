"""Bounds of the numeric parameters: past them a request gets the Italian 400 page, never a database error."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Query

MAX_DB_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL; SQLite overflows past 2**63
MAX_PAGE = 100_000  # 2.5 million rows at 25 a page

PageNumber = Annotated[int, Query(le=MAX_PAGE)]  # below 1 shows the first page
QueueIndex = Annotated[int, Query(le=MAX_PAGE)]
FormQueueIndex = Annotated[int, Form(le=MAX_PAGE)]
UserId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
SubscriptionId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
