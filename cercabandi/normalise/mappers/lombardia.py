"""Regione Lombardia: the Socrata index (``bukx-h2uy``) and the Bandi Online detail pages.

The Socrata row gives dates without hours (an empty ``chiusura_adesione`` means "a sportello":
open until the funds run out); the detail page gives the hour ("Scade il 07/09/2026, ore 12:00",
the hidden ``checkCloseDate`` "2026-09-07 12:00"), the status chip and "Chi può partecipare".
The spider's labelled fields come first; the payload is read only for what they lack.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cercabandi.core.models import RawCall, Territory
from cercabandi.core.provinces import LOMBARD_PROVINCES
from cercabandi.core.sources import LOMBARDIA_DATA_INDEX, bandi_online_page
from cercabandi.core.vocab import Instrument, TerritoryScope
from cercabandi.normalise.dates import DateRole, find_dates
from cercabandi.normalise.draft import Draft
from cercabandi.normalise.mappers.generic import Policy, add_deadline, map_generic, set_opening
from cercabandi.normalise.text import clean_inline

POLICY = Policy(
    cofinancing_funded_share=False,
    applicant_keys=("chi_puo_partecipare", "partecipanti", "destinatari", "beneficiari"),
    instrument_keys=("tipo_strumento", "forma_agevolazione", "tipologia"),
    issuer="Regione Lombardia",
)
OUT_OF_SCOPE_TYPES = ("concorsi pubblici e avvisi sul personale",)
NOT_DOTE = (Instrument.RECRUITMENT, Instrument.PROCUREMENT, Instrument.LIST, Instrument.SPONSORSHIP)
_PROVINCE_CODE_RE = re.compile(r"^PR_([A-Z]{2})_")


def socrata_row(payload: Any) -> dict[str, Any]:
    """The Socrata row inside whatever the spider stored (the row itself, or nested under a key)."""
    if isinstance(payload, dict):
        if "codice_bando" in payload:
            return payload
        for value in payload.values():
            if isinstance(value, dict) and "codice_bando" in value:
                return value
    return {}


def map_lombardia_bandi(raw: RawCall, now: datetime) -> Draft:
    draft = map_generic(raw, now, POLICY)
    row = socrata_row(raw.payload)
    kind = (raw.extra.get("tipo_strumento") or str(row.get("tipo_strumento") or "")).strip()
    if kind.lower() in OUT_OF_SCOPE_TYPES:
        draft.reasons.append(
            f"'{kind}' is a job competition, not a funding call: the lombardia_bandi spider should leave it out"
        )
    if not draft.title:
        draft.title = clean_inline(str(row.get("titolo_bando") or "")) or None
    if not raw.issuer:
        draft.issuer = clean_inline(str(row.get("ente") or "")) or POLICY.issuer
    has_deadline_label = any(d.label.split(":")[0].strip().lower() == "deadline" for d in raw.dates)
    if row and not has_deadline_label:
        closing = str(row.get("chiusura_adesione") or "").strip()
        if closing:
            for mention in find_dates(closing).mentions[:1]:
                add_deadline(draft, mention, None)
        else:
            draft.rolling = True  # documented: an empty closing date is "a sportello"
    if row and draft.opening_date is None and row.get("apertura_adesione"):
        for mention in find_dates(str(row["apertura_adesione"])).mentions[:1]:
            if mention.role is not DateRole.PUBLISHED:
                set_opening(draft, mention)
    if "dote" in kind.lower() and draft.instrument not in NOT_DOTE:
        draft.instrument, draft.instrument_reason = Instrument.GRANT, f"publisher's type says '{kind}'"
    read_links(draft, raw)
    draft.territory = territory_from_code(raw.native_id) or draft.territory
    return draft


def read_links(draft: Draft, raw: RawCall) -> None:
    """The call's page is Bandi Online's; the open-data record is kept apart as ``data_url``."""
    draft.data_url = raw.extra.get("data_url")
    if raw.url.startswith(LOMBARDIA_DATA_INDEX):  # raw records stored before the spider linked the page
        draft.data_url = draft.data_url or raw.url
        draft.url = bandi_online_page(raw.native_id)


def territory_from_code(code: str) -> Territory | None:
    """Bandi Online codes of provincial calls carry the province: ``PR_MN_42025049883`` is Mantova's."""
    found = _PROVINCE_CODE_RE.match(code)
    if found is None or found.group(1) not in LOMBARD_PROVINCES:
        return None
    return Territory(scope=TerritoryScope.PROVINCES, provinces=[found.group(1)], text=f"codice bando {code}")
