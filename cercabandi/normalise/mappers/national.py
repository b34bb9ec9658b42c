"""National publishers: incentivi.gov.it, PA digitale 2026, Italia Domani, Coesione, DAIT."""

from __future__ import annotations

from datetime import datetime

from cercabandi.core.models import Deadline, RawCall
from cercabandi.core.vocab import ApplicantType, TerritoryScope
from cercabandi.normalise.dates import ROME, DateRole, find_dates
from cercabandi.normalise.draft import Draft
from cercabandi.normalise.mappers.generic import Policy, map_generic
from cercabandi.normalise.territory import detect_territory, territory_from_regions

INCENTIVI = Policy(cofinancing_funded_share=False, instrument_keys=("forma_agevolazione",))
PADIGITALE = Policy(issuer="Dipartimento per la trasformazione digitale")
ITALIADOMANI = Policy(instrument_keys=("tipologia",))
COESIONE = Policy(cofinancing_funded_share=False, issuer="Dipartimento per le politiche di coesione")
DAIT = Policy(
    issuer="Ministero dell'Interno - DAIT, Finanza locale",
    default_applicants=frozenset({ApplicantType.COMUNE}),
    default_applicants_note="applicants not stated: DAIT finanza locale decrees address comuni",
)


def map_it_incentivi(raw: RawCall, now: datetime) -> Draft:
    draft = map_generic(raw, now, INCENTIVI)
    if raw.territory:
        regions = [part.strip() for part in raw.territory.split(";")]
        draft.territory = territory_from_regions(regions) or draft.territory
    if raw.extra.get("comuni"):
        local = detect_territory(raw.extra["comuni"], default=TerritoryScope.ITALY)
        if local.scope is TerritoryScope.COMUNI or local.scope is TerritoryScope.OTHER_REGIONS:
            draft.territory = local
    # The structured closing date has no hour; the descriptor often states it
    # ("fino alle ore 12.00 del 23/06/2026"): same day, so take its hour.
    descriptor = raw.extra.get("close_date_descriptor") or ""
    if descriptor and draft.deadlines:
        for mention in find_dates(descriptor).with_role(DateRole.DEADLINE):
            if mention.clock is None:
                continue
            for index, deadline in enumerate(draft.deadlines):
                if deadline.at.astimezone(ROME).date() == mention.day and not draft.deadline_has_time.get(deadline.at):
                    draft.deadlines[index] = Deadline(at=mention.at(end_of_day=True), label=deadline.label)
                    draft.deadline_has_time[draft.deadlines[index].at] = True
    return draft


def map_it_padigitale(raw: RawCall, now: datetime) -> Draft:
    return map_generic(raw, now, PADIGITALE)


def map_it_italiadomani(raw: RawCall, now: datetime) -> Draft:
    draft = map_generic(raw, now, ITALIADOMANI)
    if raw.status and raw.status.strip().lower() in ("in scadenza", "aperto", "aperta", "open"):
        draft.closed_by_publisher = False
    return draft


def map_it_coesione(raw: RawCall, now: datetime) -> Draft:
    return map_generic(raw, now, COESIONE)


def map_it_dait(raw: RawCall, now: datetime) -> Draft:
    draft = map_generic(raw, now, DAIT)
    if raw.extra.get("kind") == "communication":
        draft.warn("a DAIT communication, not a decree: read it as news about a funding line")
    return draft
