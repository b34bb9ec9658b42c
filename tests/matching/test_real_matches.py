"""The matcher on the real recordings and the real catalogue (../shared/data): matches rest on real evidence.

Issue 13, "Matches rest on meaningless words": "Locate di Triulzi" met "Pro Loco lombarde", "and"
and "to" were shared words against English calls, a student scholarship reached 1,066 projects
on "digital". The recorded calls go through the normaliser (shaped like the spiders' output, as in
tests/normalise/test_real_data.py), the PNRR catalogue of the Città metropolitana through the
catalogue reader, and the matcher ranks every project as the nightly run does. Slow (a minute or
two); skipped when ../shared/data is absent.
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
import Stemmer

from cercabandi.core.models import FundingCall, Match, Project
from cercabandi.flows.catalogue import load_catalogue
from cercabandi.matching import Matcher
from cercabandi.matching.analysis import fold, place_words, stop_words
from cercabandi.normalise import NormalisationError, normalise_record

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]
MAX_SHARE_OF_CATALOGUE = 0.2


def _real_data_module() -> ModuleType:
    """tests/normalise/test_real_data.py, whose ``real_records`` feeds the recordings through spider shapes."""
    folder = str(Path(__file__).resolve().parents[1] / "normalise")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module("test_real_data")


@pytest.fixture(scope="module")
def world(shared_data: Path) -> tuple[list[FundingCall], list[Project], list[Match]]:
    real = _real_data_module()
    calls: dict[str, FundingCall] = {}
    for raw in real.real_records(shared_data / "calls"):
        try:
            call = normalise_record(raw, now=real.SNAPSHOT, first_seen=real.SNAPSHOT, last_seen=real.SNAPSHOT)
        except NormalisationError:
            continue
        calls.setdefault(call.id, call)
    projects = [row.project for row in load_catalogue(shared_data / "pnrr" / "catalogo_progetti_MI.csv").projects]
    matches = Matcher().fit(list(calls.values())).rank(projects, k=20, now=real.SNAPSHOT)
    return list(calls.values()), projects, matches


def _informative(term: str) -> bool:
    """A word of the term is neither a stop word nor a place word, nor stemmed like one ("loco" ~ "Locate")."""
    stemmer = Stemmer.Stemmer("italian")
    place_stems = {stemmer.stemWord(w) for w in place_words()}
    return any(
        w not in stop_words() and w not in place_words() and stemmer.stemWord(w) not in place_stems
        for w in fold(term).split()
    )


def test_no_explanation_rests_on_place_names_or_stop_words(
    world: tuple[list[FundingCall], list[Project], list[Match]],
) -> None:
    _, _, matches = world
    assert len(matches) > 1000  # the catalogue still gets a shortlist
    empty = [(m.call_id, m.project_id, [t.term for t in m.terms]) for m in matches if not m.terms]
    assert not empty, empty[:5]
    meaningless = [
        (m.call_id, m.project_id, [t.term for t in m.terms])
        for m in matches
        if not any(_informative(t.term) for t in m.terms)
    ]
    assert not meaningless, meaningless[:5]


def test_a_match_needs_more_than_one_word(world: tuple[list[FundingCall], list[Project], list[Match]]) -> None:
    _, _, matches = world
    thin = [
        (m.call_id, m.project_id, [t.term for t in m.terms])
        for m in matches
        if len(m.terms) < 2 and not any(ch.isdigit() for t in m.terms for ch in t.term)  # or a measure code
    ]
    assert not thin, thin[:5]


def test_locate_di_triulzi_is_not_a_pro_loco(world: tuple[list[FundingCall], list[Project], list[Match]]) -> None:
    calls, projects, matches = world
    locate = {p.id for p in projects if "locate di triulzi" in fold(f"{p.title} {p.description}")}
    pro_loco = {c.id for c in calls if "pro loco" in fold(c.title)}
    assert locate and pro_loco
    assert not [m for m in matches if m.project_id in locate and m.call_id in pro_loco]


def test_no_call_reaches_a_large_share_of_the_catalogue(
    world: tuple[list[FundingCall], list[Project], list[Match]],
) -> None:
    _, projects, matches = world
    per_call = Counter(m.call_id for m in matches)
    call_id, most = per_call.most_common(1)[0]
    assert most <= MAX_SHARE_OF_CATALOGUE * len(projects), (call_id, most)
