"""Match explanations name each term once and never a bigram of one repeated word."""

from __future__ import annotations

from datetime import datetime

from cercabandi.core.models import FundingCall
from cercabandi.matching import Matcher


def test_explanation_terms_are_unique_and_not_doubled(
    calls: list[FundingCall], make_call, make_project, now: datetime
) -> None:
    pnrr = make_call(
        "pnrr-nidi",
        "PNRR M4C1I1.1 asili nido: nidi, nido nido",
        "Investimento M4C1I1.1 (m4c1i1.1) per nidi e nido. Nido nido, nidi nido, asilo nido, asili nido.",
    )
    matcher = Matcher(n_terms=8).fit([*calls, pnrr])
    project = make_project(
        "p1", "Asilo nido M4C1I1.1", "Nido nido: nidi e asili nido finanziati dalla misura M4C1I1.1 (m4c1i1.1)"
    )
    (match, *_) = matcher.rank([project], k=3, now=now)
    assert match.call_id == "test:pnrr-nidi"
    terms = [t.term for t in match.terms]
    assert terms, "the best match is explained"
    assert len(terms) == len(set(terms)), terms
    for term in terms:
        words = term.split(" ")
        assert len(words) == 1 or len(set(words)) > 1, terms
    assert [t.weight for t in match.terms] == sorted((t.weight for t in match.terms), reverse=True)
    assert "nido" in terms and "m4c1i1.1" in terms
