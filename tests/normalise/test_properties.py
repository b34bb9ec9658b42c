"""Arbitrary and malformed raw records: never a crash, every failure a NormalisationError with reasons."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cercabandi.core.models import Attachment, FundingCall, Labelled, RawCall
from cercabandi.core.sources import SOURCES
from cercabandi.normalise import NormalisationError, normalise_record
from cercabandi.normalise.record import INTERNAL_ERROR

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

# Fragments publishers really write, mixed with noise, so the parsers' hard paths are reached.
FRAGMENTS = [
    "entro le ore 12:00 del 30 aprile 2026",
    "dal 02/03 al 03/06/2026",
    "Scade il: 07/09/2026, ore 12:00",
    "2026-09-07 12:00",
    "2026-10-08T00:00:00.000+0000",
    "1789430400000",
    "31/02/2026",
    "2099-12-31",
    "1970-01-01",
    "ore 24:00",
    "€ 1.500.000,00",
    "1,5 milioni di euro",
    "tra 50.000 e 150.000 euro",
    "80%",
    "cofinanziamento 30%",
    "fino ad esaurimento fondi",
    "Comuni; Unioni di comuni",
    "<p onclick='x()'>Chi può partecipare</p><script>alert(1)</script>",
    "Lombardia",
    "Puglia",
    "Chiuso",
    "n. 12 del 3 marzo 2026",
    "99999999999999999999",
    "-1",
    "\x00\ufffd",
]
text = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.sampled_from(FRAGMENTS),
    st.lists(st.sampled_from(FRAGMENTS), max_size=4).map(" ".join),
)
label = st.one_of(
    st.sampled_from(["published", "opening", "deadline", "deadline: second stage", "period", "closing_note"]),
    st.sampled_from(["budget", "grant_min", "grant_max", "cofinancing", "amount"]),
    st.text(max_size=15),
)
labelled = st.builds(Labelled, label=label, value=text.map(lambda v: v or ""))
raw_calls = st.builds(
    RawCall,
    source=st.one_of(st.sampled_from(sorted(SOURCES)), st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)),
    url=st.sampled_from(["https://example.org/a", "http://example.org/b?c=1"]),
    fetched_at=st.just(NOW),
    native_id=st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != ""),
    title=text,
    summary=text,
    body=text,
    dates=st.lists(labelled, max_size=5),
    amounts=st.lists(labelled, max_size=5),
    applicants=text,
    territory=text,
    programme=text,
    issuer=text,
    status=text,
    attachments=st.lists(
        st.builds(Attachment, url=st.sampled_from(["/x.pdf", "javascript:alert(1)", "https://e.org/y.pdf", ""])),
        max_size=2,
    ),
    extra=st.dictionaries(
        st.sampled_from(
            ["type", "tipo_strumento", "forma_agevolazione", "close_date_descriptor", "comuni", "kind", "x"]
        ),
        text.map(lambda v: v or ""),
        max_size=3,
    ),
    payload=st.one_of(
        st.none(), st.text(max_size=20), st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3)
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_calls)
def test_never_crashes_and_every_failure_has_reasons(raw: RawCall) -> None:
    try:
        call = normalise_record(raw, now=NOW, first_seen=NOW, last_seen=NOW)
    except NormalisationError as exc:
        assert exc.reasons and all(reason.strip() for reason in exc.reasons)
        assert not any(reason.startswith(INTERNAL_ERROR) for reason in exc.reasons), exc.reasons
        return
    assert isinstance(call, FundingCall)
    assert call.id == f"{raw.source}:{raw.native_id.strip()}"
    for deadline in call.deadlines:  # implausible dates never survive
        assert 2000 <= deadline.at.year <= NOW.year + 10
    if call.body_html:
        assert "<script" not in call.body_html and "onclick" not in call.body_html
