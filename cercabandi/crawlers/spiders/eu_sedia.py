"""EU Funding & Tenders Portal: the SEDIA search API, enriched with each topic's detail JSON.

Listing: ``POST .../search?apiKey=SEDIA&text=***&pageSize=100&pageNumber=N`` with a
multipart body whose every part is ``application/json`` (else the API answers 500),
types 1 (grant topic), 2 (external-action call) and 8 (cascade call run by an EU
project), statuses forthcoming and open, sorted by identifier so pages do not shift.

The whole listing is read first, then cleaned: records of the stale duplicate index
``SEDIA_PRD_CENTRICITY`` and FAQ documents are dropped, and records are deduplicated
on their native id (a topic is indexed once per language: English, then the most
complete record, wins). A cascade call carries its parent topic's ``identifier``, so its
native id is ``cascade-<callccm2Id>``, not the identifier.

Enrichment: for a new or changed topic (types 1 and 2) the detail JSON
(``.../topicDetails/<identifier>.json``) adds the description, the conditions
(admissibility, eligibility) and the budget overview. An unchanged topic is not
fetched again: its previous record is yielded again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from parsel import Selector
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from cercabandi.core.models import Labelled, RawCall
from cercabandi.core.vocab import AmountLabel, DateLabel
from cercabandi.crawlers.base import LISTED, CercabandiSpider, labelled, raw_call
from cercabandi.crawlers.textfacts import node_text

SEARCH_URL = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"
TOPIC_PAGE = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/"
TOPIC_DETAIL = "https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails/"
PAGE_SIZE = 100  # the API silently caps larger pages at 100
MAX_PAGES = 300
TYPES = ("1", "2", "8")
STATUSES = ("31094501", "31094502")  # forthcoming, open
STATUS_WORDS = {"31094501": "Forthcoming", "31094502": "Open", "31094503": "Closed"}
TYPE_WORDS = {"0": "tender", "1": "grant topic", "2": "external action call", "8": "cascade call"}
DROPPED_DATASOURCES = frozenset({"SEDIA_PRD_CENTRICITY", "SEDIA_FAQ"})
# Search-engine bookkeeping, not what the publisher said: kept out of the stored payload
# so a new API version does not make every call look changed.
VOLATILE_KEYS = ("apiVersion", "weight")
PROGRAMMES = {
    "43251589": "Citizens, Equality, Rights and Values Programme (CERV)",
    "43252405": "Programme for Environment and Climate Action (LIFE)",
    "43254019": "European Social Fund + (ESF+)",
    "43252517": "Single Market Programme (SMP)",
    "43251447": "Asylum, Migration and Integration Fund (AMIF)",
    "43353764": "Erasmus+ (ERASMUS+)",
    "43251814": "Creative Europe (CREA)",
    "43332642": "EU4Health Programme (EU4H)",
    "43251567": "Connecting Europe Facility (CEF)",
    "43108390": "Horizon Europe (HORIZON)",
    "43152860": "Digital Europe Programme (DIGITAL)",
    "44416173": "Interregional Innovation Investments (I3)",
    "43298203": "Union Civil Protection Mechanism (UCPM)",
    "44773066": "Just Transition Mechanism (JTM)",
}


# ------------------------------------------------------------------ the request


def search_parts() -> dict[str, Any]:
    return {
        "query": {
            "bool": {
                "must": [
                    {"terms": {"type": list(TYPES)}},
                    {"terms": {"status": list(STATUSES)}},
                ]
            }
        },
        "languages": ["en"],
        "sort": {"field": "identifier", "order": "ASC"},
    }


def multipart_json(parts: dict[str, Any]) -> tuple[bytes, str]:
    """A multipart/form-data body in which every part is ``Content-Type: application/json``.

    The boundary derives from the content, so the same query is the same body (replay matches it).
    """
    encoded = {name: json.dumps(value, separators=(",", ":")) for name, value in parts.items()}
    boundary = "cercabandi" + hashlib.sha256(json.dumps(encoded, sort_keys=True).encode()).hexdigest()[:24]
    chunks = []
    for name, value in encoded.items():
        chunks.append(
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"\r\n'
            "Content-Type: application/json\r\n\r\n"
            f"{value}\r\n"
        )
    chunks.append(f"--{boundary}--\r\n")
    return "".join(chunks).encode("utf-8"), f"multipart/form-data; boundary={boundary}"


def search_url(page: int) -> str:
    query = urlencode({"apiKey": "SEDIA", "text": "***", "pageSize": PAGE_SIZE, "pageNumber": page}, safe="*")
    return f"{SEARCH_URL}?{query}"


def topic_detail_urls(identifier: str) -> list[str]:
    """Where a topic's detail JSON lives: the portal asks for the lower-case file name;
    the stale index linked the identifier as written, tried second."""
    lower = f"{TOPIC_DETAIL}{identifier.lower()}.json"
    written = f"{TOPIC_DETAIL}{identifier}.json"
    return [lower] if lower == written else [lower, written]


# -------------------------------------------------------------- pure extraction


def _meta(result: dict[str, Any], key: str) -> list[str]:
    value = (result.get("metadata") or {}).get(key)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v is not None and str(v).strip()]


def _first(result: dict[str, Any], key: str) -> str | None:
    values = _meta(result, key)
    return values[0] if values else None


def _parse_native_id(result: dict[str, Any]) -> str | None:
    if _first(result, "type") == "8":
        cascade = _first(result, "callccm2Id")
        return f"cascade-{cascade}" if cascade else None
    return _first(result, "identifier")


def _completeness(result: dict[str, Any]) -> tuple[bool, int, int]:
    language = result.get("language") or _first(result, "language")
    metadata = result.get("metadata") or {}
    filled = sum(1 for v in metadata.values() if v not in (None, [], "", [""]))
    return (language == "en", filled, len(json.dumps(result)))


def select_records(results: Iterable[dict[str, Any]]) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, int]]:
    """Drop stale/FAQ/out-of-scope records and keep one per native id (English, most complete).

    Returns the kept ``(native_id, result)`` pairs in listing order and counts of what was dropped.
    """
    counts = {"stale_index": 0, "faq": 0, "out_of_scope_type": 0, "no_id": 0, "duplicate": 0}
    best: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for result in results:
        datasource = _first(result, "DATASOURCE") or ""
        if datasource in DROPPED_DATASOURCES:
            counts["faq" if datasource == "SEDIA_FAQ" else "stale_index"] += 1
            continue
        if _first(result, "type") not in TYPES:
            counts["out_of_scope_type"] += 1
            continue
        native_id = _parse_native_id(result)
        if native_id is None:
            counts["no_id"] += 1
            continue
        if native_id in best:
            counts["duplicate"] += 1
            if _completeness(result) > _completeness(best[native_id]):
                best[native_id] = result
            continue
        best[native_id] = result
        order.append(native_id)
    return [(native_id, best[native_id]) for native_id in order], counts


def stored_search_record(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in VOLATILE_KEYS}


def _parse_title(result: dict[str, Any]) -> str | None:
    if _first(result, "type") == "8":  # the cascade call's own name; the topic title is its parent's
        return _first(result, "caName") or _first(result, "title") or result.get("summary") or None
    return _first(result, "title") or result.get("summary") or None


def _parse_dates(result: dict[str, Any], detail: dict[str, Any] | None = None) -> list[Labelled]:
    dates = labelled(DateLabel.OPENING, _first(result, "startDate"))
    deadlines = list(dict.fromkeys(_meta(result, "deadlineDate")))  # cascade calls repeat a date
    if not deadlines and detail:
        for action in detail.get("actions") or []:
            deadlines += [str(d) for d in action.get("deadlineDates") or []]
        deadlines = list(dict.fromkeys(deadlines))
    model = (_first(result, "deadlineModel") or "").lower()
    if len(deadlines) == 1:
        dates += labelled(DateLabel.DEADLINE, deadlines[0])
    elif model == "two-stage" and len(deadlines) == 2:
        dates += labelled(f"{DateLabel.DEADLINE}: first stage", deadlines[0]) + labelled(
            f"{DateLabel.DEADLINE}: second stage", deadlines[1]
        )
    else:
        for number, value in enumerate(deadlines, 1):
            dates += labelled(f"{DateLabel.DEADLINE}: cut-off {number}", value)
    return dates


def _budget_overview(result: dict[str, Any], detail: dict[str, Any] | None) -> dict[str, Any] | None:
    if detail and isinstance(detail.get("budgetOverviewJSONItem"), dict):
        return detail["budgetOverviewJSONItem"]
    text = _first(result, "budgetOverview")
    if not text:
        return None
    try:
        overview = json.loads(text)  # JSON encoded inside a string
    except json.JSONDecodeError:
        return None
    return overview if isinstance(overview, dict) else None


def _parse_amounts(
    result: dict[str, Any], detail: dict[str, Any] | None = None
) -> tuple[list[Labelled], dict[str, str]]:
    """Budget, min and max contribution of this topic's action(s) in the budget overview."""
    overview = _budget_overview(result, detail)
    if not overview:
        return [], {}
    identifier = _first(result, "identifier") or ""
    actions = [a for group in (overview.get("budgetTopicActionMap") or {}).values() for a in group or []]
    mine = [a for a in actions if identifier and identifier in str(a.get("action") or "")] or actions[:1]
    amounts: list[Labelled] = []
    extra: dict[str, str] = {}
    for action in mine:
        sharing = _sharing_topics(action, identifier)
        # A pot shared by several topics (EDF-2026-DA: 422 M EUR for all) is not this topic's budget.
        label = AmountLabel.CALL_BUDGET if sharing else AmountLabel.BUDGET
        if sharing:
            extra["budget_shared_by"] = ", ".join(sharing)
        years = {str(k): str(v) for k, v in (action.get("budgetYearMap") or {}).items() if v not in (None, "")}
        if len(years) == 1:
            amounts += labelled(label, next(iter(years.values())))
        elif years:
            with contextlib.suppress(ValueError):
                amounts += labelled(label, str(sum(float(v) for v in years.values())).removesuffix(".0"))
            extra["budget_by_year"] = json.dumps(years, sort_keys=True)
        for key, label in (("minContribution", AmountLabel.GRANT_MIN), ("maxContribution", AmountLabel.GRANT_MAX)):
            value = action.get(key)
            if value not in (None, "", 0, "0"):
                amounts += labelled(label, str(value))
        if action.get("expectedGrants") not in (None, "", 0):
            extra["expected_grants"] = str(action["expectedGrants"])
    return amounts, extra


_TOPIC_ID = re.compile(r"\b[A-Z][A-Z0-9]+(?:-[A-Z0-9]+){3,}\b")


def _sharing_topics(action: dict[str, Any], identifier: str) -> list[str]:
    """The topics an action's budget is shared with: empty when the budget is this topic's own.

    An action naming several topic identifiers, or naming others but not this one, holds the
    budget of the whole call.
    """
    named = list(dict.fromkeys(_TOPIC_ID.findall(str(action.get("action") or ""))))
    if not named or named == [identifier]:
        return []
    return named


def _parse_body(result: dict[str, Any], detail: dict[str, Any] | None = None) -> str | None:
    if detail and detail.get("description"):
        return str(detail["description"])
    return _first(result, "descriptionByte") or _first(result, "description")


def _parse_conditions(result: dict[str, Any], detail: dict[str, Any] | None = None) -> str | None:
    """Who may apply, as text: the portal sends the conditions as HTML (``<div class="x"> Conditions <p>…``)."""
    if detail and detail.get("conditions"):
        return _as_text(str(detail["conditions"]))
    return _as_text(_first(result, "topicConditions"))


def _as_text(html: str | None) -> str | None:
    if not html or "<" not in html:
        return html
    body = Selector(text=html).xpath("//body")
    return node_text(body[0] if body else None) or None


def _parse_programme(result: dict[str, Any], detail: dict[str, Any] | None = None) -> str | None:
    programme = (detail or {}).get("frameworkProgramme")
    if isinstance(programme, dict) and programme.get("description"):
        return str(programme["description"])
    code = _first(result, "frameworkProgramme")
    return PROGRAMMES.get(code or "", code)


def _parse_url(result: dict[str, Any], native_id: str) -> str:
    url = _first(result, "url") or str(result.get("url") or "")
    if _first(result, "type") != "8" and (not url.startswith("http") or url.endswith(".json")):
        url = TOPIC_PAGE + (_first(result, "identifier") or native_id)
    return url


def _parse_extra(result: dict[str, Any], detail: dict[str, Any] | None = None) -> dict[str, str]:
    extra: dict[str, str] = {}
    for key, name in (
        ("type", "type"),
        ("identifier", "topic_identifier"),
        ("callIdentifier", "call_identifier"),
        ("callTitle", "call_title"),
        ("deadlineModel", "deadline_model"),
        ("frameworkProgramme", "framework_programme_id"),
        ("programmePeriod", "programme_period"),
        ("DATASOURCE", "datasource"),
        ("callccm2Id", "call_ccm2_id"),
        ("projectAcronym", "project_acronym"),
        ("status", "status_code"),
    ):
        value = _first(result, key)
        if value:
            extra[name] = value
    for key, name in (("typesOfAction", "types_of_action"), ("keywords", "keywords")):
        values = _meta(result, key)
        if values:
            extra[name] = "; ".join(values)
    if _first(result, "type") == "8" and _first(result, "title"):
        extra["parent_topic_title"] = _first(result, "title") or ""
    actions = _first(result, "actions")
    if actions:
        extra["actions"] = actions  # JSON in a string, as published
    if detail and detail.get("supportInfo"):
        extra["support_info"] = str(detail["supportInfo"])
    if detail and detail.get("keywords") and "keywords" not in extra:
        extra["keywords"] = "; ".join(str(k) for k in detail["keywords"])
    return extra


def build_call(
    result: dict[str, Any],
    *,
    native_id: str,
    fetched_at: Any,
    detail: dict[str, Any] | None = None,
    detail_note: dict[str, str] | None = None,
) -> RawCall:
    amounts, amount_extra = _parse_amounts(result, detail)
    extra = {**_parse_extra(result, detail), **amount_extra, **(detail_note or {})}
    status_code = _first(result, "status")
    return raw_call(
        source="eu_sedia",
        url=_parse_url(result, native_id),
        fetched_at=fetched_at,
        native_id=native_id,
        title=_parse_title(result),
        summary=None,
        body=_parse_body(result, detail),
        dates=_parse_dates(result, detail),
        amounts=amounts,
        applicants=_parse_conditions(result, detail),
        territory=None,
        programme=_parse_programme(result, detail),
        issuer=_first(result, "projectAcronym") if _first(result, "type") == "8" else None,
        status=STATUS_WORDS.get(status_code or "", status_code),
        attachments=[],
        extra=extra,
        payload={"search": stored_search_record(result), "detail": detail},
        payload_type="json",
    )


def topic_details(data: Any) -> dict[str, Any] | None:
    """The ``TopicDetails`` object of a detail JSON, or None when the shape is unknown."""
    if isinstance(data, dict):
        inner = data.get("TopicDetails", data)
        if isinstance(inner, dict) and ("description" in inner or "conditions" in inner or "identifier" in inner):
            return inner
    return None


# --------------------------------------------------------------------- spider


class EuSediaSpider(CercabandiSpider):
    name = "eu_sedia"
    allowed_domains = ("api.tech.ec.europa.eu", "ec.europa.eu")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.results: list[dict[str, Any]] = []

    def search_request(self, page: int) -> Request:
        body, content_type = multipart_json(search_parts())
        return Request(
            search_url(page),
            method="POST",
            body=body,
            headers={"Content-Type": content_type, "Accept": "application/json"},
            callback=self.parse_search,
            errback=self.search_failed,
            cb_kwargs={"page": page},
            dont_filter=True,
        )

    async def start(self) -> AsyncIterator[Any]:
        yield self.search_request(1)

    def parse_search(self, response: Response, page: int) -> Iterator[Any]:
        try:
            data = json.loads(response.text)
            results = data["results"]
            total = int(data["totalResults"])
        except (ValueError, KeyError, TypeError) as exc:
            self.mark_incomplete(f"search page {page} is not the API's JSON envelope ({exc})")
            yield from self.after_listing()
            return
        self.results.extend(r for r in results if isinstance(r, dict))
        self.crawler.stats.set_value("cercabandi/listing_total", total)  # type: ignore[union-attr]
        # Count what arrived rather than trusting pageSize: the API caps it silently.
        if len(self.results) < total and page < MAX_PAGES and not self.check:
            if not results:
                self.mark_incomplete(f"search page {page} is empty but the API announced {total} results")
            else:
                yield self.search_request(page + 1)
                return
        yield from self.after_listing()

    def search_failed(self, failure: Failure) -> Iterator[Any]:
        page = failure.request.cb_kwargs.get("page") if hasattr(failure, "request") else "?"  # type: ignore[attr-defined]
        self.mark_incomplete(f"search page {page} failed: {failure.getErrorMessage()}")
        yield from self.after_listing()

    def after_listing(self) -> Iterator[Any]:
        kept, counts = select_records(self.results)
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("cercabandi/listing_records", len(self.results))
        for reason, count in counts.items():
            stats.set_value(f"cercabandi/skipped/{reason}", count)
        stats.set_value(LISTED, len(self.results))
        for native_id, result in kept[:1] if self.check else kept:  # a live check reads one topic
            previous = self.previous(native_id)
            if previous is not None and self._unchanged(previous, result):
                stats.inc_value("cercabandi/carried_over")
                yield self.carry_over(previous)
            elif _first(result, "type") in ("1", "2") and _first(result, "identifier"):
                urls = topic_detail_urls(_first(result, "identifier") or "")
                yield self.detail_request(urls, result, native_id)
            else:
                yield build_call(result, native_id=native_id, fetched_at=self.now)

    @staticmethod
    def _unchanged(previous: dict[str, Any], result: dict[str, Any]) -> bool:
        payload = previous.get("payload") or {}
        if payload.get("search") != stored_search_record(result):
            return False
        # A detail that failed last time (not a 404) is worth asking for again.
        return "detail_error" not in (previous.get("extra") or {})

    def detail_request(self, urls: list[str], result: dict[str, Any], native_id: str) -> Request:
        return Request(
            urls[0],
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={"result": result, "native_id": native_id, "fallbacks": urls[1:]},
            meta={"handle_httpstatus_list": [404]},
        )

    def parse_detail(
        self, response: Response, result: dict[str, Any], native_id: str, fallbacks: list[str]
    ) -> Iterator[Any]:
        if response.status == 404:
            if fallbacks:
                yield self.detail_request(fallbacks, result, native_id)
                return
            self.crawler.stats.inc_value("cercabandi/detail_missing")  # type: ignore[union-attr]
            yield build_call(
                result, native_id=native_id, fetched_at=self.now, detail_note={"detail_missing": "HTTP 404"}
            )
            return
        try:
            detail = topic_details(json.loads(response.text))
        except ValueError:
            detail = None
        if detail is None:
            self.count_error("detail_unreadable", f"{response.url}: not a topic detail JSON")
            yield build_call(
                result, native_id=native_id, fetched_at=self.now, detail_note={"detail_error": "unreadable JSON"}
            )
            return
        yield build_call(result, native_id=native_id, fetched_at=self.now, detail=detail)

    def detail_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        self.count_error("detail_failed", f"{request.url}: {failure.getErrorMessage()}")
        kwargs = request.cb_kwargs
        yield build_call(
            kwargs["result"],
            native_id=kwargs["native_id"],
            fetched_at=self.now,
            detail_note={"detail_error": "download failed"},
        )
