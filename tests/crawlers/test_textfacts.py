"""Facts in prose: the cues found on real pages that the first reading missed (issue #15)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from parsel import Selector

from cercabandi.core.models import RawCall
from cercabandi.crawlers.htmlcalls import applicant_sentences
from cercabandi.crawlers.textfacts import amount_facts, date_facts, node_text
from cercabandi.normalise.record import normalise_record

# Sentences of the live Urban Initiative fourth-call page and of Bandi Online / EU calls, as
# quoted in issue #15.
LAUNCHED_AND_CLOSED = "The call was launched on 25 February 2026 and closed on 15 June 2026 at 14:00 CET."
HOURS_FIRST = "Domande dalle ore 10:00 del 16/06/2026 alle ore 16:00 del 30/07/2026."


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        (LAUNCHED_AND_CLOSED, "period"),
        (HOURS_FIRST, "period"),
        ("Le candidature si chiudono il 30 settembre 2026.", "deadline"),
        ("Cut-off dates: 18 September 2026, 15 January 2027, 16 April 2027.", "deadline"),
        ("The third call closed on 12 December 2025.", "deadline"),
        ("Domande dalle ore 10:00 del 16/06/2026.", "opening"),  # one end only: still the opening
    ],
)
def test_date_cues(sentence: str, label: str) -> None:
    assert [(f.label, f.value) for f in date_facts(sentence)] == [(label, sentence)]


def test_a_grant_cap_in_co_financing_words_is_a_maximum() -> None:
    sentence = "Each project can receive up to a maximum of EUR 2 million ERDF co-financing."
    assert [f.label for f in amount_facts(sentence)] == ["grant_max"]


def test_a_co_financing_rate_stays_co_financing() -> None:
    sentence = "The ERDF co-financing rate is up to 80% of eligible costs."
    assert [f.label for f in amount_facts(sentence)] == ["cofinancing"]


def test_open_to_cities_reads_as_applicants() -> None:
    text = "The call supports innovation. Applications are open to cities above 25 000 inhabitants."
    assert applicant_sentences(text) == "Applications are open to cities above 25 000 inhabitants."


def test_blocks_of_minified_html_stay_apart() -> None:
    """Parsel gives text nodes without their parent: paragraphs of minified pages were glued together."""
    html = (
        '<div class="x"> Conditions <p>1. <strong>Admissibility</strong>: legal entities.</p><p>2. Annex B.</p></div>'
    )
    body = Selector(text=html).xpath("//body")[0]
    assert node_text(body) == "Conditions\n1. Admissibility: legal entities.\n2. Annex B."


@pytest.mark.parametrize(
    ("sentence", "opening", "deadline"),
    [
        (LAUNCHED_AND_CLOSED, "2026-02-25", "2026-06-15"),
        (HOURS_FIRST, "2026-06-16", "2026-07-30"),
    ],
)
def test_a_period_keeps_both_ends_through_normalisation(sentence: str, opening: str, deadline: str) -> None:
    """The deadline of these periods was lost (labelled ``opening`` only): both ends now reach the call."""
    now = datetime(2026, 11, 21, 2, tzinfo=UTC)
    raw = RawCall(
        source="eu_urban_initiative", url="https://www.urban-initiative.eu/x", fetched_at=now, native_id="x",
        title="T", dates=date_facts(sentence),
    )  # fmt: skip
    call = normalise_record(raw, now=now, first_seen=now, last_seen=now)
    rome = ZoneInfo("Europe/Rome")
    assert call.opening_date is not None and call.opening_date.astimezone(rome).date().isoformat() == opening
    assert [d.at.astimezone(rome).date().isoformat() for d in call.deadlines] == [deadline]
