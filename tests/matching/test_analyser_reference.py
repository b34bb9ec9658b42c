"""The analyser's output is pinned to a plain reference: caches and shortcuts must not change a single term.

``Reference`` below is the analyser's algorithm written simply and slowly (no cache, every
position of the text looked back on for lexicon phrases, every token read afresh). It shares
only the data with ``ItalianAnalyser`` (word lists, acronyms, synonyms, the lexicon, accent
folding); the rules are written again here. The fast analyser must give exactly its
``surface_terms`` and n-grams, for every analyser variant of ``cercabandi eval --ablation``, on
hand-written tricky texts, on generated texts (hypothesis), and on the real texts of
``../shared/data`` when present.
"""

from __future__ import annotations

import csv
import inspect
import pickle
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import Stemmer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cercabandi.core.folding import fold as fold_accents
from cercabandi.matching.analysis import (
    ACRONYMS,
    SYNONYMS,
    Concept,
    ItalianAnalyser,
    concepts,
    is_english,
    place_words,
    stop_words,
)
from cercabandi.matching.evaluation import ABLATIONS

Pair = tuple[str, str]


def _switch_sets() -> list[dict[str, Any]]:
    """The default analyser, each analyser step of ``eval --ablation`` alone, and a few combinations."""
    names = set(inspect.signature(ItalianAnalyser).parameters) - {"ngram_range"}
    variants: list[dict[str, Any]] = [{}]
    for change in ABLATIONS.values():
        switches = {k: v for k, v in change.items() if k in names}
        if switches and switches not in variants:
            variants.append(switches)
    variants += [
        {"english": True, "stem": False},
        {"english": True, "synonyms": False, "acronyms": False},
        {"english": True, "concepts": False, "places": False},
        dict.fromkeys(names - {"english"}, False),
        {**dict.fromkeys(names, False), "english": True, "concepts": True},
    ]
    return variants


SWITCH_SETS = _switch_sets()


class Reference:
    """The analyser's rules, plainly: text -> (surface, term) pairs and n-grams."""

    TOKEN = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*")
    MEASURE = re.compile(r"^m(\d)c(\d)([ir])(\d{1,2})(?:\.(\d{1,2}))?(?:\.(\d{1,2}))?")
    NUMBERED = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{1,2}))?(?![\d.])([a-z][a-z0-9.]*)?$")
    MISSION = re.compile(r"^m(\d)$")
    COMPONENT = re.compile(r"^c(\d)$")
    HOUSE_NUMBER = re.compile(r"^\d{1,3}[a-z]?$")
    STREET_WORDS = ("via", "viale", "piazzale", "vicolo", "largo")

    def __init__(self, **switches: Any) -> None:
        flags = {"stop_words", "stem", "acronyms", "synonyms", "codes", "places", "english", "concepts"}
        self.on = {flag: switches.get(flag, flag != "english") for flag in flags}
        self.italian = Stemmer.Stemmer("italian")
        self.english_stemmer = Stemmer.Stemmer("english")
        self.synonym_of = {}  # every word of a group -> the group's first word, stemmed; a later group wins
        for group in SYNONYMS:
            for word in group:
                self.synonym_of[self.normalise_plain(word)] = self.normalise_plain(group[0])
        self.lexicon = self.phrases()

    # ------------------------------------------------------------------ words

    def words(self, text: str) -> list[str]:
        for apostrophe in ("'", "’", "`", "‘"):
            text = text.replace(apostrophe, " ")
        return self.TOKEN.findall(fold_accents(text))

    def normalise(self, word: str, english: bool = False) -> str:
        stem = word
        if self.on["stem"]:
            stem = (self.english_stemmer if english else self.italian).stemWord(word)
        if self.on["synonyms"]:
            return self.synonym_of.get(stem, stem)
        return stem

    def normalise_plain(self, word: str) -> str:
        """A synonym list word as the index reads it: folded and stemmed in Italian."""
        word = fold_accents(word)
        return self.italian.stemWord(word) if self.on["stem"] else word

    def street_positions(self, tokens: list[str]) -> set[int]:
        dropped = set()
        for i, token in enumerate(tokens):
            if token in self.STREET_WORDS:
                for j in range(i + 2, min(i + 5, len(tokens))):
                    if self.HOUSE_NUMBER.match(tokens[j]):
                        dropped.update(range(i + 1, j))
                        break
        return dropped

    def code_terms(self, token: str) -> tuple[list[str], str] | None:
        measure = self.MEASURE.match(token)
        if measure:
            mission, component, _, inv, sub, subsub = measure.groups()
            terms = [f"§m{mission}c{component}", f"§{int(inv)}.{int(sub or 0)}"]
            if subsub and int(subsub):
                terms.append(f"§{int(inv)}.{int(sub or 0)}.{int(subsub)}")
            return terms, ""
        numbered = self.NUMBERED.match(token)
        if numbered:
            inv, sub, subsub, rest = numbered.groups()
            terms = [f"§{int(inv)}.{int(sub)}"]
            if subsub and int(subsub):
                terms.append(f"§{int(inv)}.{int(sub)}.{int(subsub)}")
            return terms, rest if rest and len(rest) > 1 else ""
        return None

    def word_terms(self, tokens: list[str], english: bool) -> list[Pair]:
        out: list[Pair] = []
        streets = self.street_positions(tokens) if self.on["places"] else set()
        previous_mission = None
        for position, token in enumerate(tokens):
            if position in streets:
                continue
            if self.on["codes"]:
                mission, component = self.MISSION.match(token), self.COMPONENT.match(token)
                after_mission, previous_mission = previous_mission, mission.group(1) if mission else None
                if after_mission and component:
                    out.append((token, f"§m{after_mission}c{component.group(1)}"))
                    continue
                coded = self.code_terms(token)
                if coded is not None:
                    out.extend((token, term) for term in coded[0])
                    if not coded[1]:
                        continue
                    token = coded[1]
            for word in token.split("."):
                out.extend(self.word(word, english))
        return out

    def word(self, word: str, english: bool) -> list[Pair]:
        stops = stop_words() if self.on["stop_words"] else frozenset()
        places = place_words() if self.on["places"] else frozenset()
        if not word or word.isdigit() or word in stops or word in places or len(word) < 2:
            return []
        if self.on["acronyms"] and word in ACRONYMS:
            expansion = [(w, self.normalise(w)) for w in ACRONYMS[word].split() if w not in stops]
            return [(word, word), *expansion]
        return [(word, self.normalise(word, english))]

    # ------------------------------------------------------------------ lexicon

    def phrases(self) -> dict[tuple[str, ...], Concept]:
        phrases: dict[tuple[str, ...], Concept] = {}
        for concept in concepts():
            keys = set()
            for phrase in concept.italian:
                keys.add(self.phrase_key(phrase, False))
            for phrase in concept.english:
                keys.add(self.phrase_key(phrase, self.on["english"]))
            keys.discard(None)
            if len(keys) == 1 and len(next(iter(keys))) == 1:  # type: ignore[arg-type]
                continue
            for key in keys:
                phrases.setdefault(key, concept)  # type: ignore[arg-type]
        return phrases

    def phrase_key(self, phrase: str, english: bool) -> tuple[str, ...] | None:
        words = self.words(phrase)
        terms = tuple(term for _, term in self.word_terms(words, english))
        return terms if len(terms) >= min(2, len(words)) else None

    def with_concepts(self, pairs: list[Pair]) -> list[Pair]:
        longest = max((len(key) for key in self.lexicon), default=0)
        terms = [term for _, term in pairs]
        out: list[Pair] = []
        for end in range(1, len(pairs) + 1):
            out.append(pairs[end - 1])
            found = set()
            for start in range(max(0, end - longest), end):
                if tuple(terms[start:end]) in self.lexicon:
                    found.add(self.lexicon[tuple(terms[start:end])])
            out.extend((c.label, c.term) for c in sorted(found, key=lambda c: c.term))
        return out

    # ------------------------------------------------------------------ text

    def surface_terms(self, text: str) -> list[Pair]:
        tokens = self.words(text)
        pairs = self.word_terms(tokens, self.on["english"] and is_english(tokens))
        return self.with_concepts(pairs) if self.on["concepts"] else pairs

    def ngrams(self, text: str, ngram_range: tuple[int, int]) -> list[str]:
        terms = [term for _, term in self.surface_terms(text)]
        low, high = ngram_range
        out = list(terms) if low <= 1 else []
        words = [t for t in terms if not t.startswith("≈")]
        for n in range(max(low, 2), high + 1):
            for i in range(len(words) - n + 1):
                out.append(" ".join(words[i : i + n]))
        return out


@cache
def _pair(index: int) -> tuple[ItalianAnalyser, Reference]:
    """The fast analyser and the reference for ``SWITCH_SETS[index]``, kept across texts (warm caches)."""
    return ItalianAnalyser(**SWITCH_SETS[index]), Reference(**SWITCH_SETS[index])


def _check(text: str, index: int) -> None:
    fast, reference = _pair(index)
    assert fast.surface_terms(text) == reference.surface_terms(text), (SWITCH_SETS[index], text)


# Street names with and without house numbers, measure codes whole, apart and glued, acronyms
# and their English homographs, lexicon phrases overlapping, nested and at the ends, apostrophes.
TRICKY = [
    "CED COMUNE DI AZZIO*VIALE CADORNA 4*TRASFERIMENTO DATI IN CLOUD",
    "via Roma 13, via Giuseppe Garibaldi 7b, piazzale Lotto Milano, largo La Foppa 120000, vicolo",
    "servizi erogati via web; via via 3 via",
    "via 4",
    "VIA MONTE NAPOLEONE GRANDE 12 via a b c d 5",
    "PNRR M5 C3 investimento",
    "M5 C3",
    "m5 m4 c3 c2 c",
    "M5 VIA ROMA 3 C2",
    "M5 via Roma C2",
    "M5 rigenerazione C3",
    "c3 M2",
    "Misura M1C1I1.04.03: servizi digitali",
    "M1C1I1.04.03",
    "M2C4I2.2 e M2C1R1.0.0 e m1c1i1.4.0x",
    "1.4.3 - app IO comune",
    "1.4.1istsc000 ISTITUTO",
    "1.4.1istituto comprensivo",
    "1.2c_g415Comune di Peglio",
    "1.2 1.2.0 12.34.56 123.4 1.2.3.4 1.2c 1.2cc a.b..c .x. 3.5.x",
    "contributi agli ETS, APS e ODV; le CER del comune; its ITS Its",
    "Strengthening the authority and its role to support the digital transition",
    "The call supports urban regeneration and social housing with its partners for the energy efficiency "
    "of public buildings, which is a renewable energy community",
    "renewable energy community",
    "Renewable energy community and energy efficiency of the cycle paths, which is for the public transport",
    "energy efficiency",
    "rigenerazione urbana",
    "comunità energetica rinnovabile delle energie rinnovabili",
    "Riqualificazione urbana del quartiere: case popolari, efficientamento energetico degli stabili",
    "edifici pubblici e edifici scolastici, asili nido e servizi per la prima infanzia",
    "adattamento ai cambiamenti climatici e cambiamento climatico",
    "Comunità dell'Adda, l’Università, Dell`Orto, all‘aperto, PERCHÉ Città è",
    "Comune di Locate di Triulzi, Pro Loco lombarde, restauro della villa storica e del pozzo",
    "",
    "   ",
    "Avviso pubblico per la presentazione delle domande ai sensi del decreto",
    "euro 1.000.000,00 il 12/05/2027",
    "Ḿilano ﬁera ǅ “€” a͏̀ İstanbul",
    "scuole scuola scolastiche asili nido palestre sport export estero PhD housing",
]


@pytest.mark.parametrize("index", range(len(SWITCH_SETS)), ids=[repr(s) for s in SWITCH_SETS])
def test_tricky_texts_analyse_as_the_reference(index: int) -> None:
    for text in TRICKY:
        _check(text, index)
    _check("\n".join(TRICKY), index)  # the same words again, with warm caches and in another context


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2), (2, 2), (1, 3), (2, 3), (3, 3)])
def test_ngrams_are_the_reference_ones(ngram_range: tuple[int, int]) -> None:
    fast = ItalianAnalyser(ngram_range=ngram_range)
    reference = Reference()
    for text in [*TRICKY, "\n".join(TRICKY)]:
        assert fast(text) == reference.ngrams(text, ngram_range), (ngram_range, text)


def test_a_warm_analyser_pickles_without_its_caches() -> None:
    analyser = ItalianAnalyser(english=True)
    text = "\n".join(TRICKY)
    before = analyser.surface_terms(text)
    state = analyser.__getstate__()
    cached = {k: v for k, v in state.items() if k.startswith("_") and v}
    assert not cached, f"caches pickled: {sorted(cached)}"
    clone = pickle.loads(pickle.dumps(analyser))
    assert clone.surface_terms(text) == before == Reference(english=True).surface_terms(text)


_PIECE_LINES = (
    "via viale VIA piazzale largo vicolo Roma CADORNA Giuseppe Garibaldi 4 13 7b 120 1000 12/05/2027",
    "M5 m4 C3 c2 c M1C1I1.04.03 M2C4I2.2 m1c1i1.4.0x 1.4.3 1.4.1istsc 1.2c 1.2 12.34.56 3.5.x a.b..c",
    "ETS APS CER its ITS Its PA the and of to for with is are which",
    "rigenerazione urbana urban regeneration renewable energy community comunità energetica",
    "rinnovabile efficiency efficientamento energetico edifici pubblici scolastici asili nido",
    "social housing case popolari cambiamenti climatici climate change digital transition",
    "dell'Adda l’Università Città PERCHÉ Milano Locate Triulzi scuole biblioteca il di la per",
)
PIECES = [piece for line in _PIECE_LINES for piece in line.split()]
SEPARATORS = [" ", " ", " ", "\n", "*", ", ", ". ", "", "'", " - ", ": "]


@st.composite
def _texts(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=30))
    text = ""
    for piece in pieces:
        text += piece + draw(st.sampled_from(SEPARATORS))
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts())
def test_generated_texts_analyse_as_the_reference(text: str) -> None:
    for index in range(len(SWITCH_SETS)):
        _check(text, index)


def _real_texts(shared_data: Path) -> list[str]:
    """Calls (title and description) of the calls corpus, projects of the Milan catalogue and the dev pairs."""
    pnrr = shared_data / "pnrr"

    def rows(name: str) -> list[dict[str, str]]:
        with (pnrr / name).open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))

    texts = [f"{r['call_title']}\n{r['call_description']}" for r in rows("calls_corpus.csv")]
    texts += [f"{r['titolo_progetto']}\n{r['sintesi_progetto']}" for r in rows("catalogo_progetti_MI.csv")]
    texts += [f"{r['project_title']}\n{r['project_description']}" for r in rows("eval_pairs_dev_lombardia.csv")]
    return texts


@pytest.mark.shared_data
@pytest.mark.slow
def test_real_texts_analyse_as_the_reference(shared_data: Path) -> None:
    """Every real text with the default and the English switches; every fifth with each ablation variant."""
    texts = _real_texts(shared_data)
    for index, switches in enumerate(SWITCH_SETS):
        sample = texts if switches in ({}, {"english": True}) else texts[index % 5 :: 5]
        for text in sample:
            _check(text, index)
