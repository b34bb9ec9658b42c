"""Small pieces shared by the spiders of national sources and foundations.

- ``report_problem``: a drift of the publisher's format is logged as an error and counted in the
  crawl stats through ``CercabandiSpider.count_error`` (``cercabandi/errors/<code>``), so the run
  summary shows it instead of a silent zero; a listing that could not be read to its end is also
  marked incomplete, so no call is taken for gone.
- ``MainPdfMixin``: follow a record's main PDF attachment, put its (capped) text into the raw
  record and only then yield it; a failed download or an unreadable file is written into the
  record's ``extra`` and never loses the record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from cercabandi.core.models import Attachment, RawCall
from cercabandi.crawlers.base import CercabandiSpider
from cercabandi.crawlers.pdf import MAX_PDF_BYTES, extract_pdf_text


def report_problem(spider: scrapy.Spider, code: str, message: str, *, listing: bool = False) -> None:
    """Log and count a problem; ``listing=True`` when it leaves the list of calls incomplete."""
    if isinstance(spider, CercabandiSpider) and getattr(spider, "crawler", None) is not None:
        if listing:
            spider.mark_incomplete(f"{code}: {message}")
        else:
            spider.count_error(code, message)
        return
    spider.logger.error("%s: %s", code, message)  # outside a crawl (offline tests): the log is enough


def is_pdf_link(url: str, text: str = "") -> bool:
    lowered = url.lower().split("?", 1)[0]
    return lowered.endswith(".pdf") or "pdf" in text.lower()


class MainPdfMixin:
    """For spiders: ``yield from self.with_main_pdf(item)`` instead of ``yield item``.

    The main attachment is the first attachment whose URL ends in ``.pdf`` (publishers list the
    notice first, annexes after). Its text is capped by ``cercabandi.crawlers.pdf``.
    """

    follow_pdfs: bool = True

    def with_main_pdf(self, item: RawCall) -> Iterator[scrapy.Request | RawCall]:
        index = next((i for i, a in enumerate(item.attachments) if is_pdf_link(a.url)), None)
        if index is None or not self.follow_pdfs:
            yield item
            return
        yield scrapy.Request(
            item.attachments[index].url,
            callback=self._attach_pdf,
            errback=self._pdf_failed,
            dont_filter=True,
            priority=-1,
            meta={
                "raw_call": item,
                "attachment_index": index,
                "download_maxsize": MAX_PDF_BYTES,
                "handle_httpstatus_all": True,
            },
        )

    def _attach_pdf(self, response: Response) -> Iterator[RawCall]:
        item: RawCall = response.meta["raw_call"]
        index: int = response.meta["attachment_index"]
        if response.status >= 400:
            yield _with_pdf_error(item, index, f"HTTP {response.status} for {item.attachments[index].url}")
            return
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        result = extract_pdf_text(response.body)
        attachment = item.attachments[index].model_copy(
            update={"text": result.text, "media_type": content_type.split(";")[0] or "application/pdf"}
        )
        attachments = [*item.attachments]
        attachments[index] = attachment
        extra = dict(item.extra)
        if result.error:
            extra["attachment_error"] = result.error
            self._problem("pdf_unreadable", f"{item.url}: {result.error}")
        elif result.truncated:
            extra["attachment_note"] = f"text of {result.pages_read} of {result.pages_total} pages kept (cap)"
        yield item.model_copy(update={"attachments": attachments, "extra": extra})

    def _pdf_failed(self, failure: Failure) -> Iterator[RawCall]:
        request: Any = getattr(failure, "request", None)
        meta = request.meta if request is not None else {}
        item: RawCall | None = meta.get("raw_call")
        if item is None:
            return
        index: int = meta["attachment_index"]
        reason = f"{failure.type.__name__ if failure.type else 'error'}: {failure.getErrorMessage()}"
        self._problem("pdf_download_failed", f"{item.attachments[index].url}: {reason}")
        yield _with_pdf_error(item, index, reason)

    def _problem(self, code: str, message: str) -> None:
        if isinstance(self, scrapy.Spider):
            report_problem(self, code, message)


def _with_pdf_error(item: RawCall, index: int, message: str) -> RawCall:
    extra = dict(item.extra)
    extra["attachment_error"] = f"{item.attachments[index].url}: {message}"
    return item.model_copy(update={"extra": extra})


def attachment(url: str, title: str | None) -> Attachment:
    media_type = "application/pdf" if url.lower().split("?", 1)[0].endswith(".pdf") else None
    return Attachment(url=url, title=title or None, media_type=media_type)
