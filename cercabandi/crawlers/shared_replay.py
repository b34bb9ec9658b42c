"""Replay of the real captures kept beside the project (``../shared/data``), read where they lie.

Those captures are in the publishers' own formats, not in the replay layout of
``cercabandi.crawlers.replay``, and must never be copied into the repository. This
adapter builds replay entries for them in memory, by absolute path, answering exactly
the requests the spiders make (the spiders' own URL builders are used):

==================  ===========================================================  ======================================
source              capture                                                      request answered
==================  ===========================================================  ======================================
``eu_sedia``        ``calls/eu_sedia/search_pages_<date>/page-NNN.json``          ``POST search?...&pageNumber=N``
                    ``calls/eu_sedia/topic_texts/topic_texts.csv`` (one row      ``GET topicDetails/<id>.json``
                    per topic: its text, served as the detail's description)
``lombardia_bandi`` ``calls/regione_lombardia/socrata_bukx-h2uy_<date>/``         ``GET bukx-h2uy.json?$offset=NNNNN``
                    ``offset-NNNNN.json``                                        (and ``[]`` one page past the last)
``it_incentivi``    ``calls/incentivi/incentivi_solr_capture.json``               ``GET solr/coredrupal/select?...``
                    (the docs only: put back into Solr's envelope)
``it_padigitale``   ``calls/padigitale2026/avvisi.json``                          ``GET raw.githubusercontent.com/...``
==================  ===========================================================  ======================================

Where a source has several dated snapshots the latest is replayed. The directory given
may be the data folder (``../shared/data``), its ``calls`` folder, one publisher's
folder (``calls/eu_sedia``) or one snapshot (``calls/eu_sedia/search_pages_2026-07-22``,
which replays that snapshot of that source only). Detail pages were not captured, except
the EU topics' texts: for the rest the spiders ask, get the replay server's 404 and keep the
listing's record.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cercabandi.crawlers.replay import Entry, ReplayCatalogue, ReplayLayoutError
from cercabandi.crawlers.spiders.eu_sedia import search_url, topic_detail_urls
from cercabandi.crawlers.spiders.it_incentivi import solr_url
from cercabandi.crawlers.spiders.it_padigitale import DATA_URL
from cercabandi.crawlers.spiders.lombardia_bandi import PAGE_SIZE, index_url

JSON = {"Content-Type": "application/json"}
_PAGE = re.compile(r"^page-(\d+)\.json$")
_OFFSET = re.compile(r"^offset-(\d+)\.json$")


@dataclass(frozen=True)
class Capture:
    """Where one source's captures sit in the shared data, and how to serve them."""

    source: str
    folder: str  # under calls/
    pattern: str  # a snapshot folder (glob) or a file name
    snapshots: bool  # True: dated folders of pages, the latest one is replayed
    entries: Callable[[Path], list[Entry]]


def _eu_sedia(snapshot: Path) -> list[Entry]:
    pages = sorted((int(m.group(1)), p) for p in snapshot.iterdir() if (m := _PAGE.match(p.name)))
    # Any body: the spider's query differs from the one the snapshot was taken with (see its README).
    entries = [Entry("POST", search_url(number), 200, JSON, path.resolve()) for number, path in pages]
    return entries + _eu_topic_texts(snapshot.parent / "topic_texts" / "topic_texts.csv")


def _eu_topic_texts(capture: Path) -> list[Entry]:
    """The topics' texts collected beside the search pages, served as their detail JSON (a description only).

    A live crawl reads a topic's description from its detail JSON; the recordings have the text
    of 153 topics apart (``calls/eu_sedia/topic_texts``, see its README), so the spider asks and
    gets it the same way. Any other topic's detail stays a 404, as before.
    """
    if not capture.is_file():
        return []
    with capture.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("call_id") and row.get("text")]
    entries = []
    for row in rows:
        detail = {"TopicDetails": {"identifier": row["call_id"], "description": row["text"]}}
        body = json.dumps(detail, ensure_ascii=False).encode("utf-8")
        for url in topic_detail_urls(row["call_id"]):
            entries.append(Entry("GET", url, 200, JSON, capture.resolve(), content=body))
    return entries


def _lombardia(snapshot: Path) -> list[Entry]:
    pages = sorted((int(m.group(1)), p) for p in snapshot.iterdir() if (m := _OFFSET.match(p.name)))
    entries = [Entry("GET", index_url(offset), 200, JSON, path.resolve()) for offset, path in pages]
    if pages:
        # Socrata answers an empty list past the end; a full last page makes the spider ask for it.
        after = pages[-1][0] + PAGE_SIZE
        entries.append(Entry("GET", index_url(after), 200, JSON, pages[-1][1].resolve(), content=b"[]"))
    return entries


def _incentivi(capture: Path) -> list[Entry]:
    try:
        data = json.loads(capture.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReplayLayoutError(f"cannot read the incentivi capture {capture}: {exc}") from exc
    docs = data.get("docs") if isinstance(data, dict) else None
    if isinstance(data, dict) and isinstance(data.get("response"), dict):
        body = capture.read_bytes()  # already Solr's answer
    elif isinstance(docs, list):
        # The capture keeps the docs only: put them back into Solr's envelope, as the endpoint answers.
        envelope = {"responseHeader": {"status": 0}, "response": {"numFound": len(docs), "start": 0, "docs": docs}}
        body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
    else:
        raise ReplayLayoutError(f"{capture} has neither Solr's 'response' nor a 'docs' list")
    return [Entry("GET", solr_url(0), 200, JSON, capture.resolve(), content=body)]


def _padigitale(capture: Path) -> list[Entry]:
    # raw.githubusercontent.com serves the file as text/plain.
    return [Entry("GET", DATA_URL, 200, {"Content-Type": "text/plain; charset=utf-8"}, capture.resolve())]


CAPTURES: tuple[Capture, ...] = (
    Capture("eu_sedia", "eu_sedia", "search_pages_*", True, _eu_sedia),
    Capture("lombardia_bandi", "regione_lombardia", "socrata_bukx-h2uy_*", True, _lombardia),
    Capture("it_incentivi", "incentivi", "incentivi_solr_capture.json", False, _incentivi),
    Capture("it_padigitale", "padigitale2026", "avvisi.json", False, _padigitale),
)


def _has_pages(folder: Path) -> bool:
    return folder.is_dir() and any(_PAGE.match(p.name) or _OFFSET.match(p.name) for p in folder.iterdir())


def _find(capture: Capture, folder: Path) -> Path | None:
    if capture.snapshots:
        # Dated names (..._2026-08-22) sort by date: the last is the latest snapshot.
        snapshots = [p for p in sorted(folder.glob(capture.pattern)) if _has_pages(p)]
        return snapshots[-1] if snapshots else None
    path = folder / capture.pattern
    return path if path.is_file() else None


def locate(root: Path) -> dict[str, Path]:
    """source -> the capture replayed for it (a snapshot folder or a file); empty when ``root`` has none."""
    root = root.resolve()
    if not root.is_dir():
        return {}
    for capture in CAPTURES:
        if capture.snapshots and root.match(capture.pattern) and _has_pages(root):
            return {capture.source: root}  # one snapshot chosen by hand
    for capture in CAPTURES:
        if root.name == capture.folder:
            found = _find(capture, root)
            return {capture.source: found} if found else {}
    calls = root / "calls" if (root / "calls").is_dir() else root
    located = {}
    for capture in CAPTURES:
        found = _find(capture, calls / capture.folder)
        if found is not None:
            located[capture.source] = found
    return located


def shared_catalogue(root: Path) -> ReplayCatalogue:
    """A replay catalogue answering the spiders' requests from the captures under ``root``."""
    located = locate(root)
    if not located:
        raise ReplayLayoutError(f"no capture of a known source under {root} (see cercabandi.crawlers.shared_replay)")
    catalogue = ReplayCatalogue()
    for capture in CAPTURES:
        if capture.source in located:
            for entry in capture.entries(located[capture.source]):
                catalogue.add(capture.source, entry)
    return catalogue
