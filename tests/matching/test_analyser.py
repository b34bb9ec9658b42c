"""The Italian analyser: accents, stop words, stemming, synonyms, acronyms, code-like tokens."""

from __future__ import annotations

import pickle

import pytest

from cercabandi.matching.analysis import CONCEPT_PREFIX, ItalianAnalyser, fold, stop_words


@pytest.fixture
def analyser() -> ItalianAnalyser:
    return ItalianAnalyser(ngram_range=(1, 1))


def test_fold_removes_accents_and_apostrophes() -> None:
    assert fold("Comunità PERCHÉ l’Università") == "comunita perche l universita"


def test_accented_and_plain_spellings_give_the_same_terms(analyser: ItalianAnalyser) -> None:
    assert analyser.terms("Comunità energetica") == analyser.terms("comunita' ENERGETICA")


def test_stemming_joins_singular_and_plural(analyser: ItalianAnalyser) -> None:
    assert analyser.terms("scuola") == analyser.terms("scuole")
    assert analyser.terms("biblioteca") == analyser.terms("biblioteche")
    assert analyser.terms("ciclabile") == analyser.terms("ciclabili")


def test_function_words_and_administrative_boilerplate_are_dropped(analyser: ItalianAnalyser) -> None:
    assert analyser.terms("Avviso pubblico per la presentazione delle domande ai sensi del decreto") == []
    assert analyser.terms("il bando della biblioteca") == analyser.terms("biblioteca")


def test_our_stop_list_is_ours_and_folded() -> None:
    words = stop_words()
    assert {"avviso", "pubblico", "decreto", "bando", "della", "perche"} <= words
    assert "perché" not in words  # folded like the tokens
    assert "biblioteca" not in words


def test_domain_synonyms_share_one_term(analyser: ItalianAnalyser) -> None:
    assert analyser.terms("rigenerazione") == analyser.terms("riqualificazione") == analyser.terms("recupero")


def test_acronyms_meet_their_expansion(analyser: ItalianAnalyser) -> None:
    ets = set(analyser.terms("contributi agli ETS"))
    assert set(analyser.terms("enti del terzo settore")) <= ets
    assert set(analyser.terms("comunità energetiche rinnovabili")) <= set(analyser.terms("le CER del comune"))


def test_measure_codes_meet_numbered_titles(analyser: ItalianAnalyser) -> None:
    code = set(analyser.terms("Misura M1C1I1.04.03: servizi digitali"))
    assert {"§m1c1", "§1.4", "§1.4.3"} <= code
    assert {"§1.4", "§1.4.3"} <= set(analyser.terms("1.4.3 - app IO comune"))
    assert "§1.2" in analyser.terms("1.2c_g415Comune di Peglio")
    # a code glued to the next word keeps both
    glued = analyser.terms("1.4.1istituto comprensivo")
    assert "§1.4.1" in glued and analyser.terms("istituto")[0] in glued
    assert "§m5c3" in analyser.terms("PNRR M5 C3 investimento")


def test_numbers_and_addresses_are_not_subjects(analyser: ItalianAnalyser) -> None:
    assert analyser.terms("VIA ROMA 13 euro 120000") == analyser.terms("euro")
    assert analyser.terms("CED COMUNE DI AZZIO*VIALE CADORNA 4*TRASFERIMENTO DATI IN CLOUD") == analyser.terms(
        "CED COMUNE DI AZZIO TRASFERIMENTO DATI IN CLOUD"
    )
    # "via" as a preposition, with no house number after it, keeps what follows
    assert analyser.terms("servizi erogati via web") == analyser.terms("servizi erogati web")


def test_place_names_are_no_evidence(analyser: ItalianAnalyser) -> None:
    """Issue 13: "Locate di Triulzi" was stemmed to "loc" and met "Pro Loco lombarde" at 0.55."""
    assert analyser.terms("Comune di Locate di Triulzi") == analyser.terms("Comune")
    assert analyser.terms("Pro Loco lombarde") == analyser.terms("Pro Loco")
    assert analyser.terms("Sesto San Giovanni, Cinisello Balsamo, provincia di Bergamo, Regione Puglia") == (
        analyser.terms("provincia Regione")
    )
    # ordinary nouns inside comune names stay topical: "Opera", "Villa Cortese", "Pozzo d'Adda"
    assert analyser.terms("restauro della villa storica e del pozzo") != analyser.terms("restauro storica")
    without = ItalianAnalyser(places=False)
    assert without.terms("Locate")[0] == without.terms("Loco")[0]  # what went wrong without the place words


def test_english_function_words_are_stop_words(analyser: ItalianAnalyser) -> None:
    """Issue 13: "and" and "to" were shared words against an English call; "its" read as ITS."""
    assert analyser.terms("Strengthening the authority and its role to support the digital transition") == (
        analyser.terms("Strengthening authority role support digital transition")
    )
    assert "istitut" not in analyser.terms("its role")
    assert {"and", "to", "the", "for", "of", "with"}.isdisjoint(analyser.terms("and to the for of with"))


def test_bigrams_follow_the_kept_words() -> None:
    terms = ItalianAnalyser(ngram_range=(1, 2))("asilo nido del comune")
    assert any(" " in t for t in terms)
    words = [t for t in terms if " " not in t and not t.startswith(CONCEPT_PREFIX)]  # concepts make no phrases
    assert len([t for t in terms if " " in t]) == len(words) - 1


def test_switches_turn_steps_off() -> None:
    raw = ItalianAnalyser(stop_words=False, stem=False, synonyms=False, acronyms=False, codes=False)
    assert raw.terms("Avviso per le scuole") == ["avviso", "per", "le", "scuole"]


def test_analyser_pickles(analyser: ItalianAnalyser) -> None:
    analyser.terms("scuole")  # fills caches and the stemmer
    clone = pickle.loads(pickle.dumps(analyser))
    assert clone.terms("rigenerazione delle scuole") == analyser.terms("rigenerazione delle scuole")
