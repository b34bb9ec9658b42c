"""incentivi.gov.it (MIMIT): the catalogue's own open-data Solr export, one request for all of it.

Kept: measures whose eligible applicants (``Tipologia_Soggetto``, Solr
``zm_field_subject_type_value``) include ``Ente Pubblico`` or ``Cooperative/Associazioni Non
Profit``. The description's sections "Cos'è", "A chi si rivolge", "Cosa prevede" go into
``extra`` apart; a closing note "fino ad esaurimento fondi" is labelled ``closing_note``. The
export has no status: a null or far-future closing date is left to normalisation.

Both field spellings are read: the raw Solr names (what the endpoint returns) and the aliases of
the portal's "export" view (``Titolo``, ``Tipologia_Soggetto`` ...).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from cercabandi.core.models import Labelled, RawCall
from cercabandi.core.vocab import AmountLabel, DateLabel
from cercabandi.crawlers.base import CercabandiSpider
from cercabandi.crawlers.spiderkit import report_problem
from cercabandi.crawlers.textfacts import PageShapeError, clean, closing_notes, split_sections

SITE = "https://www.incentivi.gov.it"
SOLR = f"{SITE}/solr/coredrupal/select"
ROWS = 8000  # the whole catalogue (~6,000 records) in one answer
KEEP_APPLICANTS = ("Ente Pubblico", "Cooperative/Associazioni Non Profit")
SECTIONS = {"Cos'è": "cos_e", "A chi si rivolge": "a_chi_si_rivolge", "Cosa prevede": "cosa_prevede"}

# Solr field -> export alias. Derived copies (rendered teaser HTML, catch-all text) are not kept
# in the payload: they repeat the fields and would triple the raw store.
FIELDS: dict[str, str] = {
    "zs_nid": "ID_Incentivo",
    "zs_title": "Titolo",
    "zs_body": "Descrizione",
    "zs_field_open_date": "Data_apertura",
    "zs_field_close_date": "Data_chiusura",
    "zs_field_close_date_descriptor": "Note_chiusura",
    "zm_field_subject_type_value": "Tipologia_Soggetto",
    "zm_field_dimensions_value": "Dimensioni",
    "zm_field_scopes_value": "Obiettivo_Finalita",
    "zm_field_support_form_value": "Forma_agevolazione",
    "zm_field_granted_costs_value": "Costi_Ammessi",
    "zm_field_activity_sector_value": "Settore_Attivita",
    "zs_field_ateco": "Codici_ATECO",
    "zm_field_regions_value": "Regioni",
    "zs_field_comuni": "Comuni",
    "zs_field_subject_grant": "Soggetto_Concedente",
    "zs_field_primary_ruleset": "Base_normativa_primaria",
    "zs_field_implementation_ruleset": "Provvedimento_attuativo",
    "zs_field_budget_allocation": "Stanziamento_incentivo",
    "zs_field_cost_min": "Spesa_Ammessa_min",
    "zs_field_cost_max": "Spesa_Ammessa_max",
    "zs_field_support_grant_type_min": "Agevolazione_Concedibile_min",
    "zs_field_support_grant_type_max": "Agevolazione_Concedibile_max",
    "zs_field_link": "Link_istituzionale",
    "zs_url": "Url",
    "zs_field_other_characteristic": "Altre_caratteristiche",
    "zs_field_official_references": "Riferimenti_ufficiali",
    "ds_last_update": "Data_ultimo_aggiornamento",
}
DROPPED_FROM_PAYLOAD = ("zs_rendered_item", "tum_X3b_it_output")


def solr_url(start: int = 0, rows: int = ROWS) -> str:
    query = {"q": "index_id:incentivi", "wt": "json", "rows": str(rows), "start": str(start), "sort": "id asc"}
    return f"{SOLR}?{urlencode(query)}"


def _get(doc: dict[str, Any], solr_name: str) -> Any:
    if solr_name in doc:
        return doc[solr_name]
    return doc.get(FIELDS.get(solr_name, ""))


def _text(value: Any) -> str | None:
    """A scalar as a verbatim string; lists joined with '; ' (their order kept)."""
    if value is None:
        return None
    if isinstance(value, list):
        parts = [str(v).strip() for v in value if v is not None and str(v).strip()]
        return "; ".join(parts) or None
    text = str(value).strip()
    return text or None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    return [part.strip() for part in str(value).split(";") if part.strip()]


def parse_page(body: bytes) -> tuple[list[dict[str, Any]], int, int]:
    """The docs of one Solr answer with ``numFound`` and ``start``; a Solr error is a PageShapeError."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        head = body[:80].decode("utf-8", "replace")
        raise PageShapeError(f"the Solr export did not answer JSON ({exc}); it starts with {head!r}") from exc
    if not isinstance(data, dict):
        raise PageShapeError(f"the Solr export answered a JSON {type(data).__name__}, not an object")
    if "error" in data:
        error = data["error"]
        message = error.get("msg") if isinstance(error, dict) else error
        raise PageShapeError(f"Solr error: {message}")
    response = data.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("docs"), list):
        raise PageShapeError("no response.docs in the Solr answer: the export format changed")
    docs = [doc for doc in response["docs"] if isinstance(doc, dict)]
    return docs, int(response.get("numFound", len(docs))), int(response.get("start", 0))


def is_for_public_or_nonprofit(doc: dict[str, Any]) -> bool:
    applicants = _as_list(_get(doc, "zm_field_subject_type_value"))
    return any(a in KEEP_APPLICANTS for a in applicants)


def parse_sections(doc: dict[str, Any]) -> dict[str, str]:
    """The description's titled sections: from Solr's per-paragraph copy when present, else cut from the text."""
    paragraphs = doc.get("tum_X3b_it_body_ft")
    found: dict[str, str] = {}
    if isinstance(paragraphs, list) and paragraphs:
        current: str | None = None
        for paragraph in paragraphs:
            text = clean(str(paragraph))
            heading = next((h for h in SECTIONS if text.lower() == h.lower()), None)
            if heading:
                current = heading
            elif current and text:
                found[current] = f"{found.get(current, '')} {text}".strip()
        if found:
            return found
    body = _text(_get(doc, "zs_body")) or ""
    return {k: v for k, v in split_sections(body, list(SECTIONS)).items() if k}


def parse_dates(doc: dict[str, Any]) -> list[Labelled]:
    dates: list[Labelled] = []
    if opening := _text(_get(doc, "zs_field_open_date")):
        dates.append(Labelled(label=DateLabel.OPENING, value=opening))
    if closing := _text(_get(doc, "zs_field_close_date")):
        dates.append(Labelled(label=DateLabel.DEADLINE, value=closing))
    for field in ("zs_field_close_date_descriptor", "zs_field_other_characteristic"):
        dates.extend(closing_notes(_text(_get(doc, field)) or ""))
    return dates


def parse_amounts(doc: dict[str, Any]) -> list[Labelled]:
    amounts: list[Labelled] = []
    for field, label in (
        ("zs_field_budget_allocation", AmountLabel.BUDGET),
        ("zs_field_support_grant_type_min", AmountLabel.GRANT_MIN),
        ("zs_field_support_grant_type_max", AmountLabel.GRANT_MAX),
    ):
        if value := _text(_get(doc, field)):
            amounts.append(Labelled(label=label, value=value))
    return amounts


def parse_extra(doc: dict[str, Any], sections: dict[str, str]) -> dict[str, str]:
    extra = {SECTIONS[name]: text for name, text in sections.items() if name in SECTIONS}
    for field, key in (
        ("zs_field_close_date_descriptor", "close_date_descriptor"),
        ("zm_field_support_form_value", "forma_agevolazione"),
        ("zm_field_scopes_value", "finalita"),
        ("zm_field_dimensions_value", "dimensioni"),
        ("zm_field_granted_costs_value", "costi_ammessi"),
        ("zm_field_activity_sector_value", "settori"),
        ("zs_field_ateco", "ateco"),
        ("zs_field_comuni", "comuni"),
        ("zs_field_primary_ruleset", "base_normativa"),
        ("zs_field_implementation_ruleset", "provvedimento_attuativo"),
        ("zs_field_cost_min", "spesa_ammessa_min"),
        ("zs_field_cost_max", "spesa_ammessa_max"),
        ("zs_field_link", "link_istituzionale"),
        ("zs_field_other_characteristic", "altre_caratteristiche"),
        ("zs_field_official_references", "riferimenti_ufficiali"),
        ("ds_last_update", "last_update"),
    ):
        if value := _text(_get(doc, field)):
            extra[key] = value
    return extra


def parse_doc(doc: dict[str, Any], *, fetched_at: datetime) -> RawCall:
    """One Solr document as a raw call (whatever its applicants: filtering is ``is_for_public_or_nonprofit``)."""
    native_id = _text(_get(doc, "zs_nid"))
    if not native_id:
        raise PageShapeError(f"a record without zs_nid/ID_Incentivo: {str(doc.get('id') or doc)[:80]}")
    path = _text(_get(doc, "zs_url"))
    link = _text(_get(doc, "zs_field_link"))
    if path and path.startswith("/"):
        url = f"{SITE}{path}"
    elif path and path.startswith("http"):
        url = path
    elif link and link.startswith("http"):
        url = link
    else:
        url = f"{SITE}/it/catalogo"
    sections = parse_sections(doc)
    payload = {k: v for k, v in doc.items() if k not in DROPPED_FROM_PAYLOAD}
    return RawCall(
        source="it_incentivi",
        url=url,
        fetched_at=fetched_at,
        native_id=native_id,
        title=_text(_get(doc, "zs_title")),
        summary=sections.get("Cos'è"),
        body=_text(_get(doc, "zs_body")),
        dates=parse_dates(doc),
        amounts=parse_amounts(doc),
        applicants=_text(_get(doc, "zm_field_subject_type_value")),
        territory=_text(_get(doc, "zm_field_regions_value")),
        issuer=_text(_get(doc, "zs_field_subject_grant")),
        extra=parse_extra(doc, sections),
        payload=payload,
        payload_type="json",
    )


class ItIncentiviSpider(CercabandiSpider):
    name = "it_incentivi"
    allowed_domains = ("www.incentivi.gov.it",)
    custom_settings = {"DOWNLOAD_TIMEOUT": 180}  # noqa: RUF012 - one large answer (~30 MB)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(solr_url(0), callback=self.parse)

    def parse(self, response: Response) -> Iterator[RawCall | scrapy.Request]:
        try:
            docs, found, start = parse_page(response.body)
        except PageShapeError as exc:
            report_problem(self, "bad_export", f"{response.url}: {exc}", listing=True)
            return
        fetched_at = self.now
        kept = 0
        for doc in docs:
            if not is_for_public_or_nonprofit(doc):
                continue
            try:
                yield parse_doc(doc, fetched_at=fetched_at)
                kept += 1
            except (PageShapeError, ValueError) as exc:
                report_problem(self, "bad_record", str(exc))
        self.logger.info("incentivi: %d of %d records are open to public bodies or non-profits", kept, len(docs))
        # The export answers everything at once; if Solr ever caps ``rows``, page on with ``start``.
        following = start + len(docs)
        if docs and following < found:
            yield scrapy.Request(solr_url(following), callback=self.parse)
