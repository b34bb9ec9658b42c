"""Italian projects meet English calls through the bilingual lexicon, explained in words a person reads."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cercabandi.core.models import FundingCall, Project
from cercabandi.matching import Matcher
from cercabandi.matching.analysis import CONCEPT_PREFIX, ItalianAnalyser, concepts, is_english, words_only
from cercabandi.matching.ranker import TextRanker

ENGLISH_CALL = (
    "Urban regeneration and social housing in European cities",
    "The call supports urban regeneration of deprived neighbourhoods, social housing and the energy efficiency "
    "of public buildings, with actions for social inclusion of vulnerable groups.",
)
ITALIAN_PROJECT = (
    "Riqualificazione del quartiere: alloggi sociali",
    "Interventi di rigenerazione urbana con edilizia sociale, efficientamento energetico e inclusione sociale "
    "delle fasce fragili.",
)
# The same subject with no word spelled as in the English call but "urbana" (one shared word is no evidence)
ITALIAN_PROJECT_NO_COGNATES = (
    "Riqualificazione urbana del quartiere",
    "Case popolari: efficientamento energetico degli stabili.",
)


def _terms(text: str, **flags: Any) -> list[str]:
    return ItalianAnalyser(**flags).terms(text)


def test_language_is_told_by_function_words() -> None:
    assert is_english(["the", "call", "supports", "projects", "of", "cities", "and", "regions", "for", "the", "future"])
    assert not is_english(["il", "bando", "sostiene", "i", "progetti", "dei", "comuni", "per", "la", "scuola"])
    # English words inside an Italian text do not make it English
    assert not is_english(["pacchetto", "scuola", "on", "line", "brand", "to", "commerce", "per", "la", "didattica"])


def test_english_texts_can_be_stemmed_as_english() -> None:
    """Off by default (stems of both languages then collide: "integration" meets "integrativi"), kept to measure."""
    english = " ".join(ENGLISH_CALL)
    assert "build" in _terms(english, english=True) and "build" not in _terms(english)
    italian = "Rigenerazione urbana dei quartieri"
    assert _terms(italian, english=True) == _terms(italian)


def test_both_phrasings_give_one_concept_term() -> None:
    italian = [t for t in _terms(" ".join(ITALIAN_PROJECT)) if t.startswith(CONCEPT_PREFIX)]
    english = [t for t in _terms(" ".join(ENGLISH_CALL)) if t.startswith(CONCEPT_PREFIX)]
    shared = set(italian) & set(english)
    assert {"≈rigenerazione_urbana", "≈edilizia_sociale", "≈efficienza_energetica", "≈inclusione_sociale"} <= shared
    assert not [t for t in _terms(" ".join(ENGLISH_CALL), concepts=False) if t.startswith(CONCEPT_PREFIX)]


def test_a_phrase_cut_to_one_word_by_stop_words_is_no_concept() -> None:
    # "edifici pubblici": "pubblici" is a stop word, so "edifici" alone must not stand for public buildings
    assert not [t for t in _terms("Manutenzione degli edifici comunali") if t.startswith(CONCEPT_PREFIX)]


def test_concepts_are_never_part_of_phrases() -> None:
    analyser = ItalianAnalyser(ngram_range=(1, 2))
    text = "rigenerazione urbana del quartiere"
    assert CONCEPT_PREFIX + "rigenerazione_urbana" in analyser.terms(text)
    words = words_only(analyser.terms(text))
    bigrams = [t for t in analyser(text) if " " in t]
    assert bigrams == [f"{a} {b}" for a, b in itertools.pairwise(words)]
    assert all(CONCEPT_PREFIX not in b for b in bigrams)


def test_lexicon_names_each_concept_in_both_languages() -> None:
    lexicon = concepts()
    assert len(lexicon) >= 40
    assert len({c.term for c in lexicon}) == len(lexicon)
    assert all(c.italian and c.english and " ≈ " in c.label for c in lexicon)


def _english_calls(make_call: Callable[..., FundingCall]) -> list[FundingCall]:
    return [
        make_call("eu-regen", *ENGLISH_CALL),
        make_call(
            "eu-space",
            "Space weather forecasting services",
            "Research on the prediction of solar storms and their effects on satellites and the power grid.",
        ),
        make_call(
            "eu-fish",
            "Sustainable fisheries in the Atlantic",
            "Actions for the monitoring of fish stocks and marine ecosystems by coastal fishing fleets.",
        ),
    ]


def test_an_italian_project_reaches_the_english_call_explained_in_both_languages(
    calls: list[FundingCall],
    make_call: Callable[..., FundingCall],
    make_project: Callable[..., Project],
    now: datetime,
) -> None:
    matcher = Matcher().fit([*calls, *_english_calls(make_call)])
    project = make_project("p-regen", *ITALIAN_PROJECT)
    matches = matcher.rank([project], k=20, now=now)
    found = {m.call_id: m for m in matches}
    assert "test:eu-regen" in found, [m.call_id for m in matches]
    assert "test:eu-space" not in found and "test:eu-fish" not in found
    terms = [t.term for t in found["test:eu-regen"].terms]
    assert "rigenerazione urbana ≈ urban regeneration" in terms, terms


def test_without_the_lexicon_the_english_call_is_not_reached(
    calls: list[FundingCall],
    make_call: Callable[..., FundingCall],
    make_project: Callable[..., Project],
    now: datetime,
) -> None:
    """The control for the test above: the lexicon is what lets the project meet the English call."""
    matcher = Matcher(ranker=TextRanker(concepts=False)).fit([*calls, *_english_calls(make_call)])
    project = make_project("p-regen", *ITALIAN_PROJECT_NO_COGNATES)
    without = matcher.rank([project], k=20, now=now)
    assert "test:eu-regen" not in {m.call_id for m in without}
    with_lexicon = Matcher().fit([*calls, *_english_calls(make_call)]).rank([project], k=20, now=now)
    assert "test:eu-regen" in {m.call_id for m in with_lexicon}


def test_a_concept_and_its_own_words_are_one_piece_of_evidence(
    calls: list[FundingCall],
    make_call: Callable[..., FundingCall],
    make_project: Callable[..., Project],
    now: datetime,
) -> None:
    """One shared word that is also a concept ("biodiversity") must not pass the two-term evidence rule alone."""
    call = make_call(
        "eu-bio", "Photovoltaic systems and biodiversity", "Solar parks designed with biodiversity in mind."
    )
    matcher = Matcher().fit([*calls, call])
    project = make_project("p-bio", "National Biodiversity Future Center", "Centro nazionale di ricerca.")
    assert "test:eu-bio" not in {m.call_id for m in matcher.rank([project], k=20, now=now)}
    both = make_project("p-bio2", "Biodiversity in solar parks", "Photovoltaic parks and biodiversity.")
    assert "test:eu-bio" in {m.call_id for m in matcher.rank([both], k=20, now=now)}
