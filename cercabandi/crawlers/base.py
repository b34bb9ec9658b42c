"""What every spider shares: building items, the run's clock, known state, error counting.

Spider arguments (``-a`` on the command line, set by the runner):

- ``now``: ISO timestamp of the crawl, so "recently closed" does not depend on the machine clock;
- ``known``: path of a JSON file ``{native_id: previous RawCall record}`` from the database;
  a spider uses it to skip detail pages of records whose listing entry has not changed,
  re-yielding the previous record so that an unchanged call stays "0 changed";
- ``check``: ``yes`` for a live check (``crawl --check``): one listing page and one call page.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy

from cercabandi.core.models import Labelled, RawCall

logger = logging.getLogger(__name__)

# Stats keys shared with the runner and the health checks.
ERRORS = "cercabandi/errors"
LISTING_INCOMPLETE = "cercabandi/listing_incomplete"
FALLBACKS = "cercabandi/fallbacks"  # call pages read by the generic fallback (layout drift)
LISTED = "cercabandi/listed"  # entries on the first listing page (links to calls, or records)


def raw_call(**fields: Any) -> RawCall:
    """A ``RawCall`` built without validation: the pipeline validates and drops with a reason."""
    return RawCall.model_construct(**fields)


def labelled(label: str, value: str | None) -> list[Labelled]:
    """A one-element list when there is a value, else empty: ``dates=[*labelled(...), ...]``."""
    if value is None or not str(value).strip():
        return []
    return [Labelled(label=label, value=str(value))]


def parse_now(value: str | datetime | None) -> datetime:
    if value is None or value == "":
        return datetime.now(UTC)
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"spider argument now={value!r} needs a timezone, e.g. 2026-11-21T02:00:00+00:00")
    return moment.astimezone(UTC)


def load_known(path: str | Path | None) -> dict[str, dict[str, Any]]:
    if not path:
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"known-state file {path} must hold a JSON object {{native_id: record}}")
    return data


class CercabandiSpider(scrapy.Spider):
    """Base of our spiders; subclasses set ``name`` (the source id) and navigate."""

    def __init__(
        self, *args: Any, now: str | None = None, known: str | None = None, check: str = "no", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.now = parse_now(now)
        self.known = load_known(known)
        self.check = str(check).lower() in ("yes", "true", "1")

    def count_error(self, kind: str, message: str) -> None:
        """An error worth reporting that does not stop the crawl (a broken detail page...)."""
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(ERRORS)
        stats.inc_value(f"{ERRORS}/{kind}")
        self.logger.error("%s: %s", kind, message)

    def stat(self, key: str, value: int) -> None:
        """Set a crawl stat; outside a crawl (offline tests) there are none."""
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.set_value(key, value)

    def mark_incomplete(self, reason: str) -> None:
        """The listing could not be read to the end: calls missing from it are not gone."""
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value(LISTING_INCOMPLETE, reason)
        self.count_error("listing_incomplete", reason)

    def previous(self, native_id: str) -> dict[str, Any] | None:
        return self.known.get(native_id)

    def carry_over(self, record: dict[str, Any]) -> RawCall:
        """Yield again a record we stored before, fetched now (its listing entry is unchanged)."""
        return RawCall.model_validate(record).model_copy(update={"fetched_at": self.now})
