"""One rule in one place: silence, accent folding and month names live in core and mean one thing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cercabandi.core.folding import fold, strip_accents
from cercabandi.core.months import MONTHS_EN, MONTHS_IT
from cercabandi.core.sources import SOURCES, is_silent
from cercabandi.normalise.dates import MONTHS

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def test_a_source_is_silent_after_its_own_threshold() -> None:
    days = SOURCES["eu_sedia"].silent_after_days
    assert is_silent("eu_sedia", None, NOW)
    assert not is_silent("eu_sedia", NOW - timedelta(days=days), NOW)
    assert is_silent("eu_sedia", NOW - timedelta(days=days, seconds=1), NOW)
    assert is_silent("not_a_source", NOW - timedelta(days=8), NOW)  # the default threshold, a week
    assert not is_silent("not_a_source", NOW - timedelta(days=6), NOW)


def test_fold_drops_accents_and_case_fast_and_slow_alike() -> None:
    assert fold("Comunità PERCHÉ Città") == "comunita perche citta"
    assert fold("Ḿilano") == "milano"
    assert fold("Dell’Adda") == "dell’adda"  # apostrophes are a stage's own step


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
    | st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=40)
    | st.sampled_from(["Città ǅ “€” ﬁ é a͏̀", "Città ½ µ ¨´¸ ÀÉÎÕÜ ß ÿ", "ÀÉÎÕÜ ß ÿ ª º ² ¨´¸"])
)
def test_fold_fast_paths_equal_the_definition(text: str) -> None:
    """ASCII as is, Latin-1 by a table and Latin accents by NFKD are only shortcuts: the result is
    strip_accents().lower()."""
    assert fold(text) == strip_accents(text).lower()


def test_fold_of_every_latin1_character_is_the_definition() -> None:
    latin1 = "".join(map(chr, range(256)))
    assert fold(latin1) == strip_accents(latin1).lower()
    assert all(fold(f"{c}à") == strip_accents(f"{c}à").lower() for c in latin1)


def test_month_names_read_in_normalise_are_the_core_ones() -> None:
    for number, (italian, english) in enumerate(zip(MONTHS_IT, MONTHS_EN, strict=True), start=1):
        assert MONTHS[italian] == MONTHS[english] == number
    assert MONTHS["sett"] == 9 and MONTHS["dic"] == 12
