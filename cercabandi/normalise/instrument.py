"""What a call offers: a grant, a loan, a prize, or something that is not funding at all.

Publishers list more than funding calls: tenders and framework agreements (CONSIP), lists of
experts or lawyers to enrol in, sponsor searches, personnel competitions. ``classify_instrument``
reads, in order, the title, the publisher's own type fields and the text, and returns the
instrument with the reason in words (English "procurement" is not a sign: EU pre-commercial
procurement topics fund public buyers); only ``FUNDING_INSTRUMENTS`` (core.vocab) are offered to
projects, the rest stay searchable and marked. Non-funding wording is checked first because a
tender or a list names money too ("contributo", "importo"); a funding word in the publisher's
type field wins over non-funding words in the text only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cercabandi.core.folding import strip_accents
from cercabandi.core.vocab import Instrument

_FLAGS = re.IGNORECASE
NON_FUNDING: tuple[tuple[Instrument, re.Pattern[str]], ...] = (
    (
        Instrument.RECRUITMENT,
        re.compile(
            r"\bconcors[oi]\s+pubblic[oi]\b|\bavvisi\s+sul\s+personale\b|\bper\s+l['’]\s?assunzione\b"
            r"|\bselezione\s+pubblica\s+per\s+(?:titoli|esami|il\s+conferimento|l['’]\s?assunzione)|\bmobilita\s+(?:esterna|volontaria)\b|\bconferimento\s+(?:di\s+)?(?:un\s+)?incaric"
            r"|\bprogressioni?\s+(?:verticali|di\s+carriera)\b|\brecruitment\b|\bvacancy\b|\bjob\s+offer\b",
            _FLAGS,
        ),
    ),
    (
        Instrument.PROCUREMENT,
        re.compile(
            r"\bconsip\b|\baccordo\s+quadro\b|\bappalt[oi]\b|\bbando\s+di\s+gara\b|\bgara\s+(?:d['’ ]\s?appalto|europea|aperta)\b"
            r"|\bprocedura\s+(?:aperta|negoziata|ristretta)\b|\baffidamento\s+(?:del|della|dei|di)\b|\bcall\s+for\s+tenders?\b"
            r"|\bconvenzione\s+per\s+la\s+fornitura\b|\bmercato\s+elettronico\b|\bindagine\s+di\s+mercato\b",
            _FLAGS,
        ),
    ),
    (
        Instrument.SPONSORSHIP,
        re.compile(r"\bricerca\s+(?:di\s+)?sponsor\w*|\bsponsorizzazion[ei]\b|\bsponsorship\b", _FLAGS),
    ),
    (
        Instrument.LIST,
        re.compile(
            r"\b(?:formazione|costituzione|aggiornamento|iscrizione)\s+(?:di\s+|all['’]\s?|al\s+|dell['’]\s?|del\s+)?"
            r"(?:un\s+|uno\s+)?(?:elenc[oi]|albo|albi|registro|short\s?-?list)\b"
            r"|\belenc[oi]\s+(?:di|dei|degli|delle)\s+(?:avvocat|espert|professionist|fornitor|operator|soggetti\s+qualificat)"
            r"|\balbo\s+(?:dei|degli|delle)\s+(?:fornitor|professionist|espert)|\bshort\s?-?list\b",
            _FLAGS,
        ),
    ),
)
_LOAN_RE = re.compile(
    r"\bprestit[oi]\b|\bfinanziament[oi]\s+agevolat[oi]\b|\bmutu[oi]\b|\bfondo\s+rotativo\b|\banticip[oi]\s+rimborsabil[ei]\b"
    r"|\bloans?\b|\bprestito\s+d['’]onore\b",
    _FLAGS,
)
_PRIZE_RE = re.compile(r"\bprem(?:io|i)\b|\bprizes?\b|\bawards?\b|\bconcorso\s+di\s+idee\b", _FLAGS)
_GRANT_RE = re.compile(
    r"\bcontribut[oi]\b|\bfondo\s+perduto\b|\bgrants?\b|\bsovvenzion\w*|\bvoucher\b|\bcofinanziament\w*|\bsussidi\b",
    _FLAGS,
)
_OTHER_RE = re.compile(
    r"\bgaranzi[ae]\b|\bagevolazion[ei]\s+fiscal[ei]\b|\bcredito\s+d['’]imposta\b|\bguarantees?\b|\bequity\b"
    r"|\bpartecipazion[ei]\s+al\s+capitale\b",
    _FLAGS,
)
FUNDING: tuple[tuple[Instrument, re.Pattern[str]], ...] = (
    (Instrument.GRANT, _GRANT_RE),  # a grant, even if a loan comes with it
    (Instrument.LOAN, _LOAN_RE),
    (Instrument.PRIZE, _PRIZE_RE),
    (Instrument.OTHER, _OTHER_RE),
)
TEXT_WINDOW = 600  # the opening of the text says what the call is; later pages cite other procedures


def _fold(text: str) -> str:
    return " ".join(strip_accents(text.casefold()).split())


def _first_match(rules: Sequence[tuple[Instrument, re.Pattern[str]]], text: str) -> tuple[Instrument, str] | None:
    for instrument, pattern in rules:
        found = pattern.search(text)
        if found:
            return instrument, found.group(0)
    return None


def instrument_from(wordings: Sequence[str]) -> Instrument | None:
    """The funding instrument a publisher's type field states, if any (grant first)."""
    found = _first_match(FUNDING, _fold(" ; ".join(w for w in wordings if w)))
    return found[0] if found else None


def classify_instrument(title: str | None, stated: Sequence[str], text: str = "") -> tuple[Instrument, str]:
    """The instrument of a call and why, from its title, the publisher's type fields and its text."""
    title_f, stated_f, text_f = _fold(title or ""), _fold(" ; ".join(s for s in stated if s)), _fold(text[:TEXT_WINDOW])
    # Where a funding word sits beside a non-funding one ("contributi per l'assunzione"), funding wins.
    for where, wording in (("title", title_f), ("publisher's type", stated_f)):
        found = _first_match(NON_FUNDING, wording)
        if found and not _first_match(FUNDING[:2], wording):
            return found[0], f"{where} says '{found[1]}'"
    for where, wording in (("publisher's type", stated_f), ("title", title_f)):
        found = _first_match(FUNDING[1:3] if where == "title" else FUNDING, wording)
        if found:
            return found[0], f"{where} says '{found[1]}'"
    found = _first_match(NON_FUNDING, text_f)
    if found and not _first_match(FUNDING[:2], text_f):
        return found[0], f"text says '{found[1]}'"
    return Instrument.GRANT, "no other instrument stated: a funding call"
