"""Raw records shaped like each spider's output, built from a publisher's record.

The adapters mirror what the spiders on the crawler branches yield (labels, ``extra`` keys,
payload), so the real-data test can feed recorded publisher data through normalisation
without Scrapy. They are deliberately small: the spiders own the real extraction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cercabandi.core.models import Labelled, RawCall

TOPIC_PAGE = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/"
STATUS_WORDS = {"31094501": "Forthcoming", "31094502": "Open", "31094503": "Closed"}


def _meta(result: dict[str, Any], key: str) -> list[str]:
    value = (result.get("metadata") or {}).get(key)
    values = value if isinstance(value, list) else ([] if value is None else [value])
    return [str(v) for v in values if v is not None and str(v).strip()]


def _first(result: dict[str, Any], key: str) -> str | None:
    values = _meta(result, key)
    return values[0] if values else None


def sedia_raw(result: dict[str, Any], fetched_at: datetime) -> RawCall:
    """A SEDIA search result as the eu_sedia spider yields it (no detail JSON)."""
    kind = _first(result, "type")
    native_id = f"cascade-{_first(result, 'callccm2Id')}" if kind == "8" else _first(result, "identifier")
    deadlines = list(dict.fromkeys(_meta(result, "deadlineDate")))
    model = (_first(result, "deadlineModel") or "").lower()
    dates = [Labelled(label="opening", value=v) for v in _meta(result, "startDate")[:1]]
    if len(deadlines) == 1:
        dates.append(Labelled(label="deadline", value=deadlines[0]))
    elif model == "two-stage" and len(deadlines) == 2:
        dates += [
            Labelled(label="deadline: first stage", value=deadlines[0]),
            Labelled(label="deadline: second stage", value=deadlines[1]),
        ]
    else:
        dates += [Labelled(label=f"deadline: cut-off {n}", value=v) for n, v in enumerate(deadlines, 1)]
    extra = {k: v for k, v in (("type", kind), ("topic_identifier", _first(result, "identifier"))) if v}
    title = (_first(result, "caName") if kind == "8" else None) or _first(result, "title") or result.get("summary")
    return RawCall(
        source="eu_sedia",
        url=_first(result, "url") or TOPIC_PAGE + str(native_id),
        fetched_at=fetched_at,
        native_id=str(native_id),
        title=title,
        body=_first(result, "descriptionByte") or _first(result, "description"),
        dates=dates,
        applicants=_first(result, "topicConditions"),
        programme=_first(result, "frameworkProgramme"),
        status=STATUS_WORDS.get(_first(result, "status") or "", _first(result, "status")),
        extra=extra,
        payload={"search": result, "detail": None},
    )


def socrata_raw(row: dict[str, Any], fetched_at: datetime) -> RawCall:
    """A Socrata bukx-h2uy row as the lombardia_bandi spider yields it before the detail page."""
    dates = []
    if row.get("apertura_adesione"):
        dates.append(Labelled(label="opening", value=row["apertura_adesione"]))
    if row.get("chiusura_adesione"):
        dates.append(Labelled(label="deadline", value=row["chiusura_adesione"]))
    return RawCall(
        source="lombardia_bandi",
        url=f"https://www.bandi.regione.lombardia.it/servizi/servizio/bandi/dettaglio/{row['codice_bando']}",
        fetched_at=fetched_at,
        native_id=row["codice_bando"],
        title=row.get("titolo_bando"),
        dates=dates,
        territory="Lombardia",
        issuer=row.get("ente"),
        extra={
            k: str(row[k]) for k in ("tipo_strumento", "direzione_generale", "ente", "chiusura_adesione") if row.get(k)
        },
        payload={"index": row, "detail_url": None, "detail_html": None},
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "; ".join(str(v).strip() for v in value if str(v).strip()) or None
    return str(value).strip() or None


def incentivi_raw(doc: dict[str, Any], fetched_at: datetime) -> RawCall:
    """A Solr document (raw names or export aliases) as the it_incentivi spider yields it."""

    def get(solr: str, alias: str) -> Any:
        return doc.get(solr, doc.get(alias))

    dates = []
    if opening := _text(get("zs_field_open_date", "Data_apertura")):
        dates.append(Labelled(label="opening", value=opening))
    if closing := _text(get("zs_field_close_date", "Data_chiusura")):
        dates.append(Labelled(label="deadline", value=closing))
    amounts = []
    for solr, alias, label in (
        ("zs_field_budget_allocation", "Stanziamento_incentivo", "budget"),
        ("zs_field_support_grant_type_min", "Agevolazione_Concedibile_min", "grant_min"),
        ("zs_field_support_grant_type_max", "Agevolazione_Concedibile_max", "grant_max"),
    ):
        if value := _text(get(solr, alias)):
            amounts.append(Labelled(label=label, value=value))
    extra = {}
    if descriptor := _text(get("zs_field_close_date_descriptor", "Note_chiusura")):
        extra["close_date_descriptor"] = descriptor
    if form := _text(get("zm_field_support_form_value", "Forma_agevolazione")):
        extra["forma_agevolazione"] = form
    path = _text(get("zs_url", "Url")) or ""
    return RawCall(
        source="it_incentivi",
        url=f"https://www.incentivi.gov.it{path}"
        if path.startswith("/")
        else "https://www.incentivi.gov.it/it/catalogo",
        fetched_at=fetched_at,
        native_id=str(_text(get("zs_nid", "ID_Incentivo"))),
        title=_text(get("zs_title", "Titolo")),
        body=_text(get("zs_body", "Descrizione")),
        dates=dates,
        amounts=amounts,
        applicants=_text(get("zm_field_subject_type_value", "Tipologia_Soggetto")),
        territory=_text(get("zm_field_regions_value", "Regioni")),
        issuer=_text(get("zs_field_subject_grant", "Soggetto_Concedente")),
        extra=extra,
        payload={k: v for k, v in doc.items() if k != "zs_rendered_item"},
    )


def padigitale_raw(record: dict[str, Any], fetched_at: datetime) -> RawCall:
    """A PA digitale 2026 record as the it_padigitale spider yields it (numbers as text)."""
    dates = []
    if record.get("data_inizio_bando"):
        dates.append(Labelled(label="opening", value=str(record["data_inizio_bando"])))
    dates.append(Labelled(label="deadline", value=str(record.get("data_fine_bando") or "")))
    amounts = []
    if record.get("totale_importo_stanziato") is not None:
        amounts.append(Labelled(label="budget", value=str(record["totale_importo_stanziato"])))
    return RawCall(
        source="it_padigitale",
        url="https://padigitale2026.gov.it/avvisi",
        fetched_at=fetched_at,
        native_id="".join(ch if ch.isalnum() else "-" for ch in str(record["titolo"]).lower()).strip("-"),
        title=record.get("titolo"),
        dates=dates,
        amounts=amounts,
        applicants=record.get("soggetti_destinatari"),
        programme=record.get("misura"),
        issuer="Dipartimento per la trasformazione digitale",
        status=record.get("stato"),
        payload=json.loads(json.dumps(record)),
    )
