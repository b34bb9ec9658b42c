"""PA digitale 2026: the official open-data JSON of the digital-PA PNRR calls (one file, CC BY 4.0).

Fields per call: ``titolo, misura, data_inizio_bando, data_fine_bando, stato,
totale_importo_stanziato, totale_importo_misura, soggetti_destinatari`` (``;``-separated). The
file has no identifier: the title (unique, and never edited once a call is out) is the native id,
as a slug. Amounts keep the publisher's number text ("1000000.0"), read without float rounding.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy.http import Response

from cercabandi.core.models import Labelled, RawCall
from cercabandi.core.vocab import AmountLabel, DateLabel
from cercabandi.crawlers.base import CercabandiSpider
from cercabandi.crawlers.spiderkit import report_problem
from cercabandi.crawlers.textfacts import PageShapeError, slugify

DATA_URL = "https://raw.githubusercontent.com/teamdigitale/padigitale2026-opendata/main/data/avvisi.json"
CALLS_PAGE = "https://padigitale2026.gov.it/avvisi"  # where a person reads the calls (the JSON has no link)
REQUIRED = ("titolo", "data_fine_bando")


def _verbatim(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_file(body: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The records twice: as published (payload) and with every number kept as its source text."""
    try:
        payload = json.loads(body)
        verbatim = json.loads(body, parse_float=str, parse_int=str)
    except ValueError as exc:
        head = body[:80].decode("utf-8", "replace")
        raise PageShapeError(f"avvisi.json is not JSON ({exc}); it starts with {head!r}") from exc
    if not isinstance(payload, list):
        raise PageShapeError(f"avvisi.json holds a JSON {type(payload).__name__}, expected a list of calls")
    return payload, verbatim


def native_id(record: dict[str, Any]) -> str:
    title = _verbatim(record.get("titolo"))
    if not title:
        raise PageShapeError(f"a call without 'titolo': {json.dumps(record, ensure_ascii=False)[:120]}")
    return slugify(title)


def parse_record(raw: dict[str, Any], verbatim: dict[str, Any], *, fetched_at: datetime) -> RawCall:
    missing = [field for field in REQUIRED if not _verbatim(verbatim.get(field))]
    if missing:
        raise PageShapeError(f"call {verbatim.get('titolo')!r} lacks {', '.join(missing)}")
    dates = []
    if opening := _verbatim(verbatim.get("data_inizio_bando")):
        dates.append(Labelled(label=DateLabel.OPENING, value=opening))
    dates.append(Labelled(label=DateLabel.DEADLINE, value=str(_verbatim(verbatim.get("data_fine_bando")))))
    amounts = []
    if budget := _verbatim(verbatim.get("totale_importo_stanziato")):
        amounts.append(Labelled(label=AmountLabel.BUDGET, value=budget))
    extra = {}
    if measure_total := _verbatim(verbatim.get("totale_importo_misura")):
        extra["totale_importo_misura"] = measure_total
    return RawCall(
        source="it_padigitale",
        url=CALLS_PAGE,
        fetched_at=fetched_at,
        native_id=native_id(verbatim),
        title=_verbatim(verbatim.get("titolo")),
        dates=dates,
        amounts=amounts,
        applicants=_verbatim(verbatim.get("soggetti_destinatari")),
        programme=_verbatim(verbatim.get("misura")),
        issuer="Dipartimento per la trasformazione digitale",
        status=_verbatim(verbatim.get("stato")),
        extra=extra,
        payload=raw,
        payload_type="json",
    )


class ItPadigitaleSpider(CercabandiSpider):
    name = "it_padigitale"
    allowed_domains = ("raw.githubusercontent.com",)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(DATA_URL, callback=self.parse)

    def parse(self, response: Response) -> Iterator[RawCall]:
        try:
            records, verbatim = parse_file(response.body)
        except PageShapeError as exc:
            report_problem(self, "bad_file", f"{response.url}: {exc}", listing=True)
            return
        fetched_at = self.now
        seen: set[str] = set()
        for raw, text in zip(records, verbatim, strict=True):
            if not isinstance(raw, dict):
                report_problem(self, "bad_record", f"not an object: {raw!r:.80}")
                continue
            try:
                item = parse_record(raw, text, fetched_at=fetched_at)
            except (PageShapeError, ValueError) as exc:
                report_problem(self, "bad_record", str(exc))
                continue
            if item.native_id in seen:
                report_problem(self, "duplicate_title", f"two calls titled {item.title!r}: the second is skipped")
                continue
            seen.add(item.native_id)
            yield item
