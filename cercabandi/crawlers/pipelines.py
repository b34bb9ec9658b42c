"""The item pipeline: validate every ``RawCall`` and append it to the raw store.

Spiders build items with ``cercabandi.crawlers.base.raw_call`` (no validation in the spider, so one
bad record cannot break a callback). Here each item is validated against the
contract; an invalid one is dropped with its reason logged and counted in the
stats (``cercabandi/dropped/<reason>``), which the crawl summary reports as errors.
A second item with the same ``native_id`` in one run is dropped too: the listing
repeated a record.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from pydantic import BaseModel, ValidationError
from scrapy.exceptions import DropItem, NotConfigured

from cercabandi.core.models import RawCall

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
MAX_EXAMPLES = 20


def validate_item(item: Any) -> RawCall:
    """The item as a valid ``RawCall``; raises ``ValidationError`` with every problem."""
    data = item.model_dump(mode="python", warnings=False) if isinstance(item, BaseModel) else ItemAdapter(item).asdict()
    return RawCall.model_validate(data)


def problem_summary(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'item'}: {e['msg']}" for e in error.errors())


class RawCallPipeline:
    def __init__(self, crawler: Crawler, output: Path) -> None:
        self.crawler = crawler
        self.output = output
        self.file: IO[str] | None = None
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawCallPipeline:
        output = crawler.settings.get("CERCABANDI_OUTPUT")
        if not output:
            raise NotConfigured("CERCABANDI_OUTPUT is not set: the runner sets it to the raw store file")
        return cls(crawler, Path(output))

    def open_spider(self) -> None:
        self.output.parent.mkdir(parents=True, exist_ok=True)
        # Append, never truncate: the raw store keeps everything ever fetched.
        self.file = self.output.open("a", encoding="utf-8")

    def close_spider(self) -> None:
        if self.file is not None:
            self.file.close()

    def _drop(self, reason_key: str, message: str) -> DropItem:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("cercabandi/dropped")
        stats.inc_value(f"cercabandi/dropped/{reason_key}")
        examples = stats.get_value("cercabandi/drop_examples") or []
        if len(examples) < MAX_EXAMPLES:
            stats.set_value("cercabandi/drop_examples", [*examples, message])
        logger.warning("dropped item: %s", message)
        return DropItem(message)

    def process_item(self, item: Any) -> RawCall:
        native_id = (
            ItemAdapter(item).get("native_id") if not isinstance(item, BaseModel) else getattr(item, "native_id", None)
        )
        try:
            call = validate_item(item)
        except ValidationError as exc:
            fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}) or ["item"]
            raise self._drop(f"invalid_{'_'.join(fields)}", f"{native_id!r} invalid: {problem_summary(exc)}") from None
        if call.native_id in self.seen:
            raise self._drop("duplicate", f"{call.native_id!r} yielded twice in one crawl: kept the first")
        self.seen.add(call.native_id)
        assert self.file is not None
        self.file.write(call.model_dump_json() + "\n")
        self.file.flush()  # the runner follows the file for progress
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("cercabandi/items")
        return call
