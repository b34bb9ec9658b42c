"""The Italian analyser: text -> index terms for TF-IDF.

Steps, each switchable so its effect can be measured (see ``cercabandi eval --ablation``):
accent folding and lower case; tokens that keep PNRR-style codes together ("M1C1I1.02",
"1.4.3"); acronym expansion (ETS, CER, PUI ...); our own stop-word lists (Italian, with the
boilerplate of administrative acts, and English function words for EU calls); place words
(our comuni, provinces, regions, street names) dropped as no evidence of a subject; Snowball
stemming (PyStemmer); domain synonyms mapped to one term (rigenerazione / riqualificazione /
recupero ...); word n-grams over what is left.

Code-like tokens become ``§``-prefixed terms no Italian word can collide with: the measure
code "M1C1I1.04.03" gives ``§m1c1`` (component), ``§1.4`` and ``§1.4.3`` (investment), and a
project titled "1.4.3 - app" gives ``§1.4.3`` too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from importlib import resources
from typing import Any

import Stemmer

from cercabandi.core.comuni import all_comuni
from cercabandi.core.folding import fold as fold_text

# possessive: a word never gives back letters (nothing after it could use them), so no backtracking
_TOKEN_RE = re.compile(r"[a-z0-9]++(?:\.[a-z0-9]++)*+")
_MEASURE_RE = re.compile(r"^m(\d)c(\d)([ir])(\d{1,2})(?:\.(\d{1,2}))?(?:\.(\d{1,2}))?")
# "1.2", "1.4.3", "1.2c", and codes glued to the next word as in "1.4.1istsc..." (the rest is kept).
_NUMBERED_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{1,2}))?(?![\d.])([a-z][a-z0-9.]*)?$")
# "M5 C3" written apart: the digit of a mission token and of a component token
_MISSION_DIGIT = {f"m{d}": str(d) for d in range(10)}
_COMPONENT_DIGIT = {f"c{d}": str(d) for d in range(10)}
_APOSTROPHES = ("'", "’", "`", "‘")

CODE_PREFIX = "§"
# Concept terms of the bilingual lexicon ("≈rigenerazione_urbana"): one term for an Italian and an English phrasing.
CONCEPT_PREFIX = "≈"

# Function words that tell English from Italian (the stop-word ratio of a text; none is in both languages).
_EN_FUNCTION = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "for",
        "with",
        "is",
        "are",
        "be",
        "this",
        "that",
        "by",
        "from",
        "or",
        "an",
        "as",
        "will",
        "which",
        "its",
    ]
)
_MIN_ENGLISH = 3
_IT_FUNCTION = frozenset(
    [
        "il",
        "la",
        "di",
        "per",
        "con",
        "del",
        "della",
        "che",
        "un",
        "una",
        "dei",
        "delle",
        "al",
        "alla",
        "le",
        "gli",
        "nel",
        "nella",
        "sono",
    ]
)

# (word as folded, index term) pairs: what a token gives out of context.
_Pairs = tuple[tuple[str, str], ...]


class _TokenPairs(dict[str, _Pairs]):
    """The pairs of each distinct token, read by ``read`` on its first lookup (one C lookup afterwards)."""

    def __init__(self, read: Callable[[str], _Pairs]) -> None:
        super().__init__()
        self.read = read

    def __missing__(self, token: str) -> _Pairs:
        pairs = self[token] = self.read(token)
        return pairs


def fold(text: str) -> str:
    """Lower case without accents, apostrophes as spaces: "Comunità dell'Adda" -> 'comunita dell adda'."""
    for apostrophe in _APOSTROPHES:  # str.replace is C speed; translate() with a dict is a lookup per character
        text = text.replace(apostrophe, " ")
    return fold_text(text)


def tokens(text: str) -> list[str]:
    """The folded tokens of ``text``, codes such as "1.4.3" whole: what the analyser and the n-grams read."""
    return _TOKEN_RE.findall(fold(text))


def _word_list(name: str) -> dict[str, set[str]]:
    """Words of a ``data/`` list, folded like the tokens.

    Comment lines start with ``#``; the words of a line starting with ``keep`` are returned under
    "keep" (exceptions), every other word under "".
    """
    raw = resources.files("cercabandi.matching").joinpath(f"data/{name}").read_text("utf-8")
    lists: dict[str, set[str]] = {"": set(), "keep": set()}
    for line in raw.splitlines():
        if line.startswith("#"):
            continue
        words = [w for token in tokens(line) for w in token.split(".") if w]
        if words[:1] == ["keep"]:
            lists["keep"].update(words[1:])
        else:
            lists[""].update(words)
    return lists


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Our stop words: Italian (``data/stopwords_it.txt``) and English (``data/stopwords_en.txt``).

    EU calls are written in English; their function words are never evidence ("and", "to").
    """
    return frozenset(_word_list("stopwords_it.txt")[""] | _word_list("stopwords_en.txt")[""])


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Words that name places: our 133 comuni, the provinces and regions, address words.

    A place shared by a call and a project says nothing about their subject ("Locate di
    Triulzi" is not "Pro Loco"). Ordinary nouns inside comune names ("Opera", "Villa Cortese")
    stay topical: ``data/place_words.txt`` lists them on its ``keep`` line.
    """
    lists = _word_list("place_words.txt")
    names = {w for comune in all_comuni() for token in tokens(comune.name) for w in token.split(".")}
    return frozenset((names | lists[""]) - lists["keep"] - stop_words())


def is_english(tokens: Sequence[str]) -> bool:
    """Whether folded tokens read as English: more English than Italian function words, and at least
    ``_MIN_ENGLISH`` ("on-line" or "Brand to Commerce" in an Italian text are not English)."""
    english = sum(t in _EN_FUNCTION for t in tokens)
    return english >= _MIN_ENGLISH and english > sum(t in _IT_FUNCTION for t in tokens)


@dataclass(frozen=True)
class Concept:
    """One concept of the bilingual lexicon: its term, its readable name and its phrasings in both languages."""

    term: str
    label: str
    italian: tuple[str, ...]
    english: tuple[str, ...]


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    """The concepts of ``data/concepts_it_en.txt`` ("italian; italian = english; english" per line)."""
    raw = resources.files("cercabandi.matching").joinpath("data/concepts_it_en.txt").read_text("utf-8")
    out: list[Concept] = []
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        italian, english = (tuple(fold(p).strip() for p in side.split(";")) for side in line.split("="))
        out.append(
            Concept(CONCEPT_PREFIX + italian[0].replace(" ", "_"), f"{italian[0]} ≈ {english[0]}", italian, english)
        )
    return tuple(out)


# The name after these words is a street name when a house number follows ("VIALE CADORNA 4").
STREET_WORDS = frozenset({"via", "viale", "piazzale", "vicolo", "largo"})
_HOUSE_NUMBER_RE = re.compile(r"^\d{1,3}[a-z]?$")
_STREET_NAME_MAX = 3


def street_name_spans(tokens: Sequence[str]) -> set[int]:
    """Positions of the words of street names: after a street word, up to three words then a house number."""
    dropped: set[int] = set()
    if STREET_WORDS.isdisjoint(tokens):
        return dropped
    for i, token in enumerate(tokens):
        if token not in STREET_WORDS:
            continue
        for j in range(i + 2, min(i + 2 + _STREET_NAME_MAX, len(tokens))):
            if _HOUSE_NUMBER_RE.match(tokens[j]):
                dropped.update(range(i + 1, j))
                break
    return dropped


# Acronyms of the domain, expanded next to themselves so "ETS" meets "enti del terzo settore".
ACRONYMS: dict[str, str] = {
    "ets": "enti terzo settore",
    "aps": "associazione promozione sociale terzo settore",
    "odv": "organizzazione volontariato terzo settore",
    "cer": "comunita energetica rinnovabile",
    "pui": "piani urbani integrati",
    "pinqua": "programma innovativo qualita abitare",
    "pa": "pubblica amministrazione",
    "pal": "pubblica amministrazione locale",
    "cdc": "casa comunita",
    "odc": "ospedale comunita",
    "cot": "centrale operativa territoriale",
    "psn": "polo strategico nazionale",
    "asst": "azienda socio sanitaria territoriale",
    "ats": "agenzia tutela salute",
    "rsa": "residenza sanitaria assistenziale",
    "scu": "servizio civile universale",
    "ict": "tecnologie informazione comunicazione",
    "tac": "tomografia computerizzata apparecchiatura",
    "rmn": "risonanza magnetica apparecchiatura",
    "its": "istituti tecnici superiori",
    "erp": "edilizia residenziale pubblica",
    "fesr": "fondo europeo sviluppo regionale",
    "fse": "fondo sociale europeo",
    "cis": "contratto istituzionale sviluppo",
}

# Domain synonyms: every word of a group is indexed as the group's first word (after stemming).
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("rigenerazione", "riqualificazione", "recupero", "riuso", "rifunzionalizzazione"),
    ("efficientamento", "efficienza"),
    ("ciclabile", "ciclovia", "ciclovie", "ciclopedonale", "ciclabili", "bicicletta"),
    ("asilo", "asili", "nido", "nidi"),
    ("scuola", "scuole", "scolastico", "scolastica", "scolastici", "scolastiche"),
    ("palestra", "palestre", "sportivo", "sportiva", "sportivi", "sportive", "sport"),
    ("mensa", "mense", "refezione"),
    ("digitale", "digitali", "digitalizzazione", "informatico", "informatica", "informatizzazione"),
    (
        "apparecchiatura",
        "apparecchiature",
        "macchinario",
        "macchinari",
        "tomografo",
        "mammografo",
        "angiografo",
        "ecotomografo",
        "ortopantomografo",
        "risonanza",
        "acceleratore",
        "gammacamera",
        "radiologico",
        "radiologia",
        "telecomandato",
        "ecografo",
    ),
    ("internazionalizzazione", "export", "esportazione", "estero", "esteri", "fiere", "fiera", "commerce"),
    ("ospedale", "ospedaliero", "ospedaliera", "nosocomio"),
    ("dottorato", "dottorati", "dottorandi", "dottorando", "phd"),
    ("idrico", "idrica", "idrici", "idriche", "acquedotto", "fognatura", "fognario", "depurazione"),
    ("dissesto", "idrogeologico", "frana", "frane", "alluvione", "esondazione"),
    ("abitativo", "abitativa", "alloggi", "alloggio", "abitare", "housing", "residenziale"),
    ("borgo", "borghi"),
)


class ItalianAnalyser:
    """Callable analyser for ``TfidfVectorizer(analyzer=...)``: text -> list of terms.

    Picklable (the stemmer is rebuilt on demand), deterministic, and cached per word.
    """

    def __init__(
        self,
        *,
        stop_words: bool = True,
        stem: bool = True,
        acronyms: bool = True,
        synonyms: bool = True,
        codes: bool = True,
        places: bool = True,
        english: bool = False,
        concepts: bool = True,
        ngram_range: tuple[int, int] = (1, 2),
    ) -> None:
        self.stop_words = stop_words
        self.english = english
        self.concepts = concepts
        self.places = places
        self.stem = stem
        self.acronyms = acronyms
        self.synonyms = synonyms
        self.codes = codes
        self.ngram_range = ngram_range
        self._stemmer: Any = None
        self._english_stemmer: Any = None
        self._cache: dict[str, str] = {}
        self._english_cache: dict[str, str] = {}
        self._phrases: dict[tuple[str, ...], Concept] | None = None
        self._ends: dict[str, tuple[int, ...]] | None = None
        self._tokens: dict[bool, _TokenPairs] = {}  # per language (English stemming or not)
        self._synonym_of: dict[str, str] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.update(
            _stemmer=None,
            _english_stemmer=None,
            _cache={},
            _english_cache={},
            _tokens={},
            _synonym_of=None,
            _phrases=None,
            _ends=None,
        )
        return state

    def __repr__(self) -> str:
        flags = ("stop_words", "stem", "acronyms", "synonyms", "codes", "places", "english", "concepts")
        on = ",".join(f for f in flags if getattr(self, f))
        return f"ItalianAnalyser({on}; ngrams={self.ngram_range})"

    # ------------------------------------------------------------------ words

    def _stem_english(self, word: str) -> str:
        if not self.stem:
            return word
        if self._english_stemmer is None:
            self._english_stemmer = Stemmer.Stemmer("english")
        return str(self._english_stemmer.stemWord(word))

    def _stem_raw(self, word: str) -> str:
        if not self.stem:
            return word
        if self._stemmer is None:
            self._stemmer = Stemmer.Stemmer("italian")
        return str(self._stemmer.stemWord(word))

    def _synonyms(self) -> dict[str, str]:
        if self._synonym_of is None:
            mapping: dict[str, str] = {}
            for group in SYNONYMS:
                head = self._stem_raw(fold(group[0]))
                for word in group:
                    mapping[self._stem_raw(fold(word))] = head
            self._synonym_of = mapping
        return self._synonym_of

    def normalise_word(self, word: str, english: bool = False) -> str:
        """Stem of a folded word (English stemmer for an English text), mapped to its synonym group if any."""
        cache = self._english_cache if english else self._cache
        cached = cache.get(word)
        if cached is None:
            cached = self._stem_english(word) if english else self._stem_raw(word)
            if self.synonyms:
                cached = self._synonyms().get(cached, cached)
            cache[word] = cached
        return cached

    def _concept_phrases(self) -> dict[tuple[str, ...], Concept]:
        """Every phrasing of every concept as the index terms it analyses to, in its own language."""
        if self._phrases is None:
            phrases: dict[tuple[str, ...], Concept] = {}
            for concept in concepts():
                written = [(p, False) for p in concept.italian] + [(p, self.english) for p in concept.english]
                keys = set()
                for phrase, english in written:
                    words = tokens(phrase)
                    terms = tuple(t for _, t in self._word_terms(words, english))
                    if len(terms) >= min(2, len(words)):  # "edifici pubblici" is not "edifici" alone
                        keys.add(terms)
                if len(keys) == 1 and len(next(iter(keys))) == 1:
                    continue  # one word in both languages ("biodiversita"): the word is shared already
                for key in keys:
                    phrases.setdefault(key, concept)
            self._phrases = phrases
        return self._phrases

    def concept_words(self) -> dict[str, frozenset[str]]:
        """For each concept term, the index terms of its phrasings: shared with the concept, they add nothing."""
        words: dict[str, set[str]] = {}
        for key, concept in self._concept_phrases().items():
            words.setdefault(concept.term, set()).update(key)
        return {term: frozenset(ws) for term, ws in words.items()}

    def _phrase_ends(self) -> dict[str, tuple[int, ...]]:
        """For each index term that ends a lexicon phrasing, the lengths of the phrasings it ends."""
        if self._ends is None:
            lengths: dict[str, set[int]] = {}
            for key in self._concept_phrases():
                if key:
                    lengths.setdefault(key[-1], set()).add(len(key))
            self._ends = {term: tuple(sorted(ns)) for term, ns in lengths.items()}
        return self._ends

    def _with_concepts(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """``pairs`` with a concept term after the last word of every phrasing of a lexicon concept."""
        ends = self._phrase_ends()
        terms = [term for _, term in pairs]
        if ends.keys().isdisjoint(terms):
            return pairs
        # look back only from the words that end some phrasing, by the lengths of the phrasings they end
        phrases = self._concept_phrases()
        out: list[tuple[str, str]] = []
        done = 0
        for end, term in enumerate(terms, start=1):
            if term not in ends:
                continue
            found = set()
            for n in ends[term]:
                if n <= end and (concept := phrases.get(tuple(terms[end - n : end]))) is not None:
                    found.add(concept)
            if found:
                out += pairs[done:end]
                out += [(concept.label, concept.term) for concept in sorted(found, key=lambda c: c.term)]
                done = end
        out += pairs[done:]
        return out

    def _code_terms(self, token: str) -> tuple[list[str], str] | None:
        """Code terms of a code-like token, and the text glued after the code (or "")."""
        measure = _MEASURE_RE.match(token)
        if measure:
            mission, component, _kind, inv, sub, subsub = measure.groups()
            terms = [f"{CODE_PREFIX}m{mission}c{component}", f"{CODE_PREFIX}{int(inv)}.{int(sub or 0)}"]
            if subsub and int(subsub):
                terms.append(f"{CODE_PREFIX}{int(inv)}.{int(sub or 0)}.{int(subsub)}")
            return terms, ""
        numbered = _NUMBERED_RE.match(token)
        if numbered:
            inv, sub, subsub, rest = numbered.groups()
            terms = [f"{CODE_PREFIX}{int(inv)}.{int(sub)}"]
            if subsub and int(subsub):
                terms.append(f"{CODE_PREFIX}{int(inv)}.{int(sub)}.{int(subsub)}")
            # a single trailing letter is part of the code ("1.2c"); more is a glued word
            return terms, rest if rest and len(rest) > 1 else ""
        return None

    def surface_terms(self, text: str) -> list[tuple[str, str]]:
        """(word as folded, index term) for every kept word of ``text``, in order; after the words of a lexicon
        phrase, (concept name, concept term). An English text is stemmed as English."""
        return self.surface_terms_of(tokens(text))

    def surface_terms_of(self, folded: list[str]) -> list[tuple[str, str]]:
        """``surface_terms`` of a text already split by ``tokens``."""
        pairs = self._word_terms(folded, self.english and is_english(folded))
        return self._with_concepts(pairs) if self.concepts else pairs

    def _word_terms(self, tokens: list[str], english: bool) -> list[tuple[str, str]]:
        """The pairs of every token, each distinct token read once (per language), in context: the words of a
        street name dropped, a component right after a mission ("M5 C3") read with it as one token "m5 c3"."""
        cache = self._tokens.get(english)
        if cache is None:
            cache = self._tokens[english] = _TokenPairs(partial(self._token_pairs, english=english))
        streets = street_name_spans(tokens) if self.places else set()
        if streets:
            tokens = [token for position, token in enumerate(tokens) if position not in streets]
        if self.codes and not (_MISSION_DIGIT.keys().isdisjoint(tokens) or _COMPONENT_DIGIT.keys().isdisjoint(tokens)):
            tokens = [
                f"{before} {token}" if token in _COMPONENT_DIGIT and before in _MISSION_DIGIT else token
                for before, token in zip(["", *tokens], tokens, strict=False)
            ]
        out: list[tuple[str, str]] = []
        for token in tokens:
            out += cache[token]
        return out

    def _token_pairs(self, token: str, english: bool) -> _Pairs:
        """The pairs of a token out of context: its code terms, then the words of it (or of what follows a code)."""
        if " " in token:  # a component after a mission, joined by _word_terms: "m5 c3" -> §m5c3
            mission, component = token.split()
            return ((component, f"{CODE_PREFIX}m{_MISSION_DIGIT[mission]}c{_COMPONENT_DIGIT[component]}"),)
        pairs: list[tuple[str, str]] = []
        coded = self._code_terms(token) if self.codes else None
        if coded is not None:
            terms, rest = coded
            pairs = [(token, term) for term in terms]
            token = rest  # "" when nothing is glued after the code
        for word in token.split("."):
            pairs.extend(self._word_pairs(word, english))
        return tuple(pairs)

    def _word_pairs(self, word: str, english: bool) -> _Pairs:
        if not word or word.isdigit():
            return ()  # amounts, house numbers, dates: noise for the subject
        stops = stop_words() if self.stop_words else frozenset()
        if word in stops or (self.places and word in place_words()) or len(word) < 2:
            return ()  # before acronyms: the English "its" is not ITS (istituti tecnici superiori)
        if self.acronyms and word in ACRONYMS:
            expansion = [(w, self.normalise_word(w)) for w in ACRONYMS[word].split() if w not in stops]
            return ((word, word), *expansion)
        return ((word, self.normalise_word(word, english)),)

    def terms(self, text: str) -> list[str]:
        """Unigram index terms of ``text``."""
        return self.terms_of(tokens(text))

    def terms_of(self, folded: list[str]) -> list[str]:
        """Unigram index terms of a text already split by ``tokens``."""
        return [term for _, term in self.surface_terms_of(folded)]

    def __call__(self, text: str) -> list[str]:
        unigrams = self.terms(text)
        low, high = self.ngram_range
        out: list[str] = unigrams[:] if low <= 1 else []
        unigrams = words_only(unigrams)
        for n in range(max(low, 2), high + 1):
            out.extend(" ".join(unigrams[i : i + n]) for i in range(len(unigrams) - n + 1))
        return out


def words_only(terms: list[str]) -> list[str]:
    """Terms without concept terms: phrases (bigrams) are made of words."""
    return [t for t in terms if not t.startswith(CONCEPT_PREFIX)]


def most_common_surface(analyser: ItalianAnalyser, texts: Iterable[str]) -> dict[str, str]:
    """For each index term, the folded word it most often came from: readable explanations."""
    counts: dict[str, dict[str, int]] = {}
    for text in texts:
        for surface, term in analyser.surface_terms(text):
            bucket = counts.setdefault(term, {})
            bucket[surface] = bucket.get(surface, 0) + 1
    return {term: max(bucket.items(), key=lambda kv: (kv[1], -len(kv[0])))[0] for term, bucket in counts.items()}
