"""Which stored calls are announcements of one call by several publishers: pure rules, no I/O.

Two rules, both conservative:
- the same EU topic identifier: the native id of an EU portal call, found again as the native
  id or in the title of another call (any source, also the EU index twice);
- the same normalised title (at least 4 words and 25 characters) and the same last deadline
  date (Europe/Rome), announced by two different sources.
The links are computed from scratch each time, so a call whose title or deadline changes is
unlinked again. ``db.repo.calls`` reads the candidates and stores the links.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from cercabandi.core.folding import strip_accents
from cercabandi.core.models import ROME, DuplicateLink

# Publishers' own sites before aggregators: the canonical announcement of a group is the
# one from the earliest source in this list (then the smallest id, for a stable choice).
SOURCE_PRIORITY: tuple[str, ...] = (
    "eu_sedia",
    "eu_urban_initiative",
    "lombardia_bandi",
    "fnd_cariplo",
    "it_padigitale",
    "it_italiadomani",
    "it_coesione",
    "it_dait",
    "it_incentivi",
)

# EU topic identifiers: "HORIZON-CL5-2024-D4-01-01", "CERV-2025-CITIZENS-CIV", "LIFE-2025-SAP-ENV".
EU_IDENTIFIER_RE = re.compile(r"\b[A-Z][A-Z0-9]{1,14}(?:-[A-Z0-9]{1,20}){2,}\b")

# Short or generic titles ("Avviso pubblico", "Bando 2026") are not evidence of identity.
MIN_TITLE_WORDS = 4
MIN_TITLE_CHARS = 25


class ListedCall(Protocol):
    """What the rules read of a stored call (a database row has these attributes)."""

    @property
    def id(self) -> str: ...
    @property
    def source_id(self) -> str: ...
    @property
    def native_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def deadline_at(self) -> datetime | None: ...


def normalise_title(title: str) -> str:
    """Case, accents, punctuation and spacing removed: 'Bando «Città» 2026 ' -> 'bando citta 2026'."""
    letters = strip_accents(title.casefold())
    return " ".join(re.sub(r"[^0-9a-z]+", " ", letters).split())


def eu_identifiers(text: str) -> set[str]:
    return set(EU_IDENTIFIER_RE.findall(text or ""))


class _Groups:
    """Union-find over call ids, remembering the first reason each call was joined for."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {call_id: call_id for call_id in ids}
        self.why: dict[str, str] = {}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str, reason: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
        self.why.setdefault(a, reason)
        self.why.setdefault(b, reason)

    def members(self) -> list[list[str]]:
        groups: dict[str, list[str]] = {}
        for call_id in self.parent:
            groups.setdefault(self.find(call_id), []).append(call_id)
        return list(groups.values())


def find_duplicates(calls: Sequence[ListedCall]) -> list[DuplicateLink]:
    """The links from each duplicate announcement to its group's canonical one, by call id."""
    source_of = {call.id: call.source_id for call in calls}

    def priority(call_id: str) -> tuple[int, str]:
        source = source_of[call_id]
        rank = SOURCE_PRIORITY.index(source) if source in SOURCE_PRIORITY else len(SOURCE_PRIORITY)
        return rank, call_id

    groups = _Groups(source_of)
    _same_eu_identifier(calls, groups)
    _same_title_and_day(calls, groups, priority)
    links: list[DuplicateLink] = []
    for group in groups.members():
        canonical = min(group, key=priority)
        for call_id in group:
            if call_id != canonical:
                reason = f"{groups.why.get(call_id, 'duplicate')} as {canonical}"[:300]
                links.append(DuplicateLink(call_id=call_id, canonical_id=canonical, reason=reason))
    return sorted(links, key=lambda link: link.call_id)


def _same_eu_identifier(calls: Sequence[ListedCall], groups: _Groups) -> None:
    eu_native = {
        c.native_id for c in calls if c.source_id.startswith("eu_") and EU_IDENTIFIER_RE.fullmatch(c.native_id)
    }
    by_identifier: dict[str, list[str]] = {}
    for call in calls:
        for identifier in (eu_identifiers(call.title) | eu_identifiers(call.native_id)) & eu_native:
            by_identifier.setdefault(identifier, []).append(call.id)
    for identifier, ids in by_identifier.items():
        for other in ids[1:]:
            groups.union(ids[0], other, f"same EU identifier {identifier}")


def _same_title_and_day(
    calls: Sequence[ListedCall], groups: _Groups, priority: Callable[[str], tuple[int, str]]
) -> None:
    by_title: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for call in calls:
        if call.deadline_at is None:
            continue
        title = normalise_title(call.title)
        if len(title.split()) < MIN_TITLE_WORDS or len(title) < MIN_TITLE_CHARS:
            continue
        day = call.deadline_at.astimezone(ROME).date().isoformat()
        by_title.setdefault((title, day), []).append((call.id, call.source_id))
    for (_, day), members in by_title.items():
        # Two entries of one source with the same title and date may be distinct lots: only
        # announcements by other sources are linked to the group's canonical entry.
        head_id, head_source = min(members, key=lambda m: priority(m[0]))
        for other, source in members:
            if source != head_source:
                groups.union(head_id, other, f"same title and same deadline date ({day})")
