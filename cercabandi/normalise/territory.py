"""Where a call applies: EU, Italy, Lombardy, a list of our comuni, or other regions only.

Comuni are found only through ``cercabandi.core.comuni`` (the catalogue's tolerant resolver),
and only in the publisher's territory wording, never in the whole body: a body that says
"as the project in Milano showed" does not limit a call to Milano.
A call limited to other regions ("Puglia", "Campania, Calabria") gets ``OTHER_REGIONS``, which
``Territory.covers`` answers False for, so the matcher does not offer it to our comuni.
A call limited to Lombard provinces ("Prov. Mantova", "Città metropolitana di Milano e province di
Cremona e Mantova", the ``PR_MN_`` prefix of a Bandi Online code) gets ``PROVINCES`` with their
codes; it is ours only when ``MI`` is among them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cercabandi.core.comuni import all_comuni, find_comuni_in_text, is_all_comuni
from cercabandi.core.models import Territory
from cercabandi.core.provinces import LOMBARD_PROVINCES, OUR_PROVINCE
from cercabandi.core.vocab import TerritoryScope
from cercabandi.normalise.applicants import fold

ITALIAN_REGIONS: tuple[str, ...] = (
    "abruzzo",
    "basilicata",
    "calabria",
    "campania",
    "emilia-romagna",
    "friuli-venezia giulia",
    "lazio",
    "liguria",
    "lombardia",
    "marche",
    "molise",
    "piemonte",
    "puglia",
    "sardegna",
    "sicilia",
    "toscana",
    "trentino-alto adige",
    "umbria",
    "valle d'aosta",
    "veneto",
)
_REGION_RE = re.compile(
    r"\b(abruzzo|basilicata|calabria|campania|emilia[-\s]romagna|friuli[-\s]venezia[-\s]giulia|lazio|liguria|lombardia"
    r"|marche|molise|piemonte|puglia|sardegna|sicilia|toscana|trentino[-\s]alto[-\s]adige|provincia\s+autonoma\s+di\s+(?:trento|bolzano)"
    r"|umbria|valle\s+d'\s?aosta|veneto)\b"
)
_LOMBARDY_RE = re.compile(r"\blombard(?:ia|y|e|i|o|a)\b|\bregione\s+lombardia\b")
_ITALY_RE = re.compile(
    r"\bitalia\b|\bitaly\b|\bnazional[ei]\b|\bintero\s+territorio\b|\btutt[oe]\s+(?:il\s+territorio|le\s+regioni)\b|\bnational\b"
)
_EU_RE = re.compile(
    r"\beu\b|\bue\b|\beurop\w*\b|\bmember\s+states?\b|\bstati\s+membri\b|\bunione\s+europea\b|\beligible\s+countries\b"
)
_METRO_RE = re.compile(
    r"\bcitta\s+metropolitana\s+di\s+milano\b|\bprovincia\s+di\s+milano\b|\barea\s+metropolitana\s+milanese\b"
)


_PROVINCE_MARK_RE = re.compile(r"\b(?:prov\.|provincia|province)\s*(?:di\s+|de\s+|della\s+|del\s+)?")
_METRO_MILANO_RE = re.compile(r"\bcitta\s+metropolitana\s+di\s+milano\b|\bprovincia\s+di\s+milano\b")
_PROVINCE_LIST_TAIL = 60  # "province di Cremona, Lodi e Mantova": names follow the mark closely
_NAME_RE = {
    code: re.compile(r"^(?:[\s,]|\be\b|\bdi\b)*(?:" + "|".join(re.escape(n) for n in names) + r")\b")
    for code, names in LOMBARD_PROVINCES.items()
}


def find_provinces(folded: str) -> list[str]:
    """Lombard provinces a folded wording limits itself to: named right after "provincia di"/"prov."."""
    found: set[str] = {OUR_PROVINCE} if _METRO_MILANO_RE.search(folded) else set()
    for mark in _PROVINCE_MARK_RE.finditer(folded):
        tail = folded[mark.end() : mark.end() + _PROVINCE_LIST_TAIL]
        while True:
            hit = next(((code, m) for code, rx in _NAME_RE.items() if (m := rx.match(tail))), None)
            if hit is None:
                break
            found.add(hit[0])
            tail = tail[hit[1].end() :]
    return sorted(found)


def limited_to_provinces(wording: str | None) -> Territory | None:
    """A ``PROVINCES`` territory when the wording names provinces other than ours alone."""
    if not wording:
        return None
    provinces = find_provinces(fold(" ".join(wording.split())))
    if not provinces or provinces == [OUR_PROVINCE]:
        return None
    return Territory(scope=TerritoryScope.PROVINCES, provinces=provinces, text=" ".join(wording.split())[:500])


def narrow_by_title(territory: Territory | None, title: str | None, default: TerritoryScope) -> Territory | None:
    """A broad call whose title names other provinces ("Servizi Integrativi - Prov. Mantova") is theirs."""
    scope = territory.scope if territory is not None else default
    if scope not in (TerritoryScope.EU, TerritoryScope.ITALY, TerritoryScope.LOMBARDIA):
        return territory
    return limited_to_provinces(title) or territory


def _region_key(name: str) -> str:
    key = fold(name).replace("/", " ").strip()
    for region in ITALIAN_REGIONS:
        if key.startswith(region.split("-")[0].split(" ")[0]):
            return region
    return key


def territory_from_regions(regions: Sequence[str], *, text: str | None = None) -> Territory | None:
    """Territory from a structured list of Italian regions (incentivi's ``Regioni``)."""
    keys = {_region_key(r) for r in regions if r and r.strip()}
    keys.discard("estero")
    known = keys & set(ITALIAN_REGIONS)
    if not known:
        return None
    wording = text or ", ".join(r for r in regions if r and r.strip())
    if len(known) >= len(ITALIAN_REGIONS) - 1:
        return Territory(scope=TerritoryScope.ITALY, text=wording)
    if "lombardia" in known:
        return Territory(scope=TerritoryScope.LOMBARDIA, text=wording)
    return Territory(scope=TerritoryScope.OTHER_REGIONS, text=wording)


def detect_territory(text: str | None, *, default: TerritoryScope) -> Territory:
    """Territory from a publisher's wording ("Lombardia", "Comuni di Rho e Pero", "Puglia")."""
    if not text or not text.strip():
        return Territory(scope=default)
    wording = " ".join(text.split())[:500]
    folded = fold(wording)
    provinces = limited_to_provinces(wording)
    if provinces is not None:
        return provinces
    if is_all_comuni(wording) or _METRO_RE.search(folded):
        return Territory(scope=TerritoryScope.COMUNI, comuni=[c.istat for c in all_comuni()], text=wording)
    comuni = find_comuni_in_text(wording)
    regions = {m.group(1) for m in _REGION_RE.finditer(folded)}
    broad = _LOMBARDY_RE.search(folded) or _ITALY_RE.search(folded) or len(regions) > 1
    if comuni and not broad:
        return Territory(scope=TerritoryScope.COMUNI, comuni=[c.istat for c in comuni], text=wording)
    if _LOMBARDY_RE.search(folded):
        return Territory(scope=TerritoryScope.LOMBARDIA, text=wording)
    if _ITALY_RE.search(folded) and not regions:
        return Territory(scope=TerritoryScope.ITALY, text=wording)
    if regions:
        return Territory(scope=TerritoryScope.OTHER_REGIONS, text=wording)
    if _EU_RE.search(folded):
        return Territory(scope=TerritoryScope.EU, text=wording)
    return Territory(scope=default, text=wording)
