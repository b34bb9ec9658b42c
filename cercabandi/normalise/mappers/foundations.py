"""Foundations: Fondazione Cariplo (Lombardy and the provinces of Novara and VCO)."""

from __future__ import annotations

from datetime import datetime

from cercabandi.core.models import RawCall
from cercabandi.normalise.draft import Draft
from cercabandi.normalise.mappers.generic import Policy, map_generic

# Cariplo states the co-financing the applicant brings ("cofinanziamento minimo del 30%").
CARIPLO = Policy(
    cofinancing_funded_share=False,
    applicant_keys=("destinatari", "soggetti_ammissibili", "beneficiari"),
    issuer="Fondazione Cariplo",
)


def map_fnd_cariplo(raw: RawCall, now: datetime) -> Draft:
    return map_generic(raw, now, CARIPLO)
