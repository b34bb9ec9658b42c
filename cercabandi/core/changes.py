"""The wording of a change to a call, in Italian: one table for the run report, the digest and the web.

A call version stores its diff as data (``[{"field", "old", "new", ...}]``); every reader
words it here, so the run report, the digest and the call's history say the same thing.
Only the fields a recipient can act on (``WATCHED_FIELDS``) get a sentence of their own;
any other field is named as changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from cercabandi.core.fmt_it import euro, percent, short_date
from cercabandi.core.vocab import label_it

FIELD_LABELS = {
    "title": "Titolo",
    "summary": "Sintesi",
    "body_text": "Descrizione",
    "issuer": "Ente",
    "level": "Livello",
    "programme": "Programma",
    "instrument": "Strumento",
    "applicant_types": "Soggetti ammessi",
    "applicants_text": "Soggetti ammessi (testo)",
    "territory": "Territorio",
    "opening_date": "Apertura",
    "deadlines": "Scadenze",
    "rolling": "A sportello",
    "closed_by_publisher": "Chiuso dall'ente",
    "budget_total": "Dotazione",
    "grant_min": "Contributo minimo",
    "grant_max": "Contributo massimo",
    "cofinancing_rate": "Cofinanziamento",
    "url": "Indirizzo",
    "attachments": "Allegati",
}

# The fields whose change is worth an e-mail; in the order sentences are written.
WATCHED_FIELDS: tuple[str, ...] = (
    "closed_by_publisher",
    "deadlines",
    "rolling",
    "opening_date",
    "budget_total",
    "grant_max",
    "grant_min",
    "cofinancing_rate",
    "applicant_types",
)


class DatedDeadline(NamedTuple):
    at: datetime
    label: str | None = None


def parse_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def deadline_pairs(value: Any) -> tuple[DatedDeadline, ...]:
    """Deadlines from a dump: ``[{"at": iso, "label": ...}]`` (or bare ISO strings), soonest first."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    found: list[DatedDeadline] = []
    for item in items:
        if isinstance(item, Mapping):
            at = parse_datetime(item.get("at"))
            label = item.get("label") or None
        else:
            at, label = parse_datetime(item), None
        if at is not None:
            found.append(DatedDeadline(at=at, label=label))
    return tuple(sorted(found, key=lambda d: d.at))


def parse_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def describe_changes(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    *,
    diff: Iterable[Mapping[str, Any]] = (),
    tz: tzinfo,
) -> list[str]:
    """Sentences for the watched fields that differ between two versions (or, without ``before``, in ``diff``)."""
    if before is None:
        pairs = {str(d.get("field")): (d.get("old"), d.get("new")) for d in diff if isinstance(d, Mapping)}
    else:
        pairs = {name: (before.get(name), after.get(name)) for name in WATCHED_FIELDS}
    sentences: list[str] = []
    for name in WATCHED_FIELDS:
        if name not in pairs:
            continue
        old, new = pairs[name]
        if old == new:
            continue
        sentences.extend(_DESCRIBERS[name](old, new, tz))
    return sentences


def describe_entry(entry: Mapping[str, Any], *, tz: tzinfo) -> list[str]:
    """Sentences for one stored diff entry, whatever its field: a watched one in words, any other named."""
    name = str(entry.get("field"))
    describer = _DESCRIBERS.get(name)
    sentences = describer(entry.get("old"), entry.get("new"), tz) if describer else []
    return sentences or [f"modificato: {FIELD_LABELS.get(name, name.replace('_', ' ')).lower()}"]


def summarise_diff(diff: Iterable[Mapping[str, Any]], *, tz: tzinfo) -> str:
    """One line for the run report: every changed field of a version."""
    return "; ".join(sentence for entry in diff for sentence in describe_entry(entry, tz=tz))


def _date_pair(old: datetime, new: datetime, tz: tzinfo) -> tuple[str, str]:
    """``30/06`` → ``15/09``; years only when they differ, times only on the same day."""
    old_local, new_local = old.astimezone(tz), new.astimezone(tz)
    if old_local.date() == new_local.date():
        return f"{old_local:%H:%M}", f"{new_local:%H:%M} del {short_date(new, tz)}"
    with_year = old_local.year != new_local.year
    return short_date(old, tz, with_year=with_year), short_date(new, tz, with_year=with_year)


def _dal(text: str) -> str:
    """``dal 30/06``, but ``dall'08/06``: days read uno, otto, undici elide the article."""
    return f"dall'{text}" if text[:2] in ("01", "08", "11") else f"dal {text}"


def _al(text: str) -> str:
    return f"all'{text}" if text[:2] in ("01", "08", "11") else f"al {text}"


def _moved(what: str, old: datetime, new: datetime, tz: tzinfo) -> str:
    verb = "anticipata" if new < old else "spostata"
    old_text, new_text = _date_pair(old, new, tz)
    if old.astimezone(tz).date() == new.astimezone(tz).date():
        return f"{what} {verb} dalle {old_text} alle {new_text}"
    return f"{what} {verb} {_dal(old_text)} {_al(new_text)}"


def _deadlines(old: Any, new: Any, tz: tzinfo) -> list[str]:
    before, after = deadline_pairs(old), deadline_pairs(new)
    if [(d.at, d.label) for d in before] == [(d.at, d.label) for d in after]:
        return []
    if len(before) == len(after):
        sentences = []
        for old_d, new_d in zip(before, after, strict=True):
            if old_d.at != new_d.at:
                what = f"scadenza ({new_d.label})" if new_d.label and len(after) > 1 else "scadenza"
                sentences.append(_moved(what, old_d.at, new_d.at, tz))
        return sentences
    if not before:
        dates = ", ".join(short_date(d.at, tz, with_year=True) for d in after)
        return [f"scadenza ora indicata: {dates}"]
    if not after:
        return ["scadenza non più indicata dall'ente: verificare sul sito del bando"]
    old_dates = {d.at for d in before}
    new_dates = {d.at for d in after}
    sentences = [f"nuova scadenza: {short_date(at, tz, with_year=True)}" for at in sorted(new_dates - old_dates)]
    sentences += [
        f"scadenza del {short_date(at, tz, with_year=True)} eliminata" for at in sorted(old_dates - new_dates)
    ]
    return sentences


def _opening(old: Any, new: Any, tz: tzinfo) -> list[str]:
    before, after = parse_datetime(old), parse_datetime(new)
    if before and after:
        return [_moved("apertura", before, after, tz)] if before != after else []
    if after:
        return [f"apertura indicata: {short_date(after, tz, with_year=True)}"]
    return []


def _money(what: str, feminine: bool) -> Callable[[Any, Any, tzinfo], list[str]]:
    def describe(old: Any, new: Any, tz: tzinfo) -> list[str]:
        before, after = parse_decimal(old), parse_decimal(new)
        if before == after:
            return []
        if before is None and after is not None:
            return [f"{what} ora indicat{'a' if feminine else 'o'}: {euro(after)}"]
        if after is None:
            return [f"{what} non più indicat{'a' if feminine else 'o'}"]
        assert before is not None
        verb = ("aumentata" if feminine else "aumentato") if after > before else ("ridotta" if feminine else "ridotto")
        return [f"{what} {verb} da {euro(before)} a {euro(after)}"]

    return describe


def _cofinancing(old: Any, new: Any, tz: tzinfo) -> list[str]:
    if old is None and new is not None:
        return [f"cofinanziamento richiesto ora indicato: {percent(new)}"]
    if new is None:
        return ["cofinanziamento richiesto non più indicato"]
    return [f"cofinanziamento richiesto da {percent(old)} a {percent(new)}"]


def _applicants(old: Any, new: Any, tz: tzinfo) -> list[str]:
    before, after = set(old or []), set(new or [])
    added = [label_it(v) for v in sorted(after - before)]
    removed = [label_it(v) for v in sorted(before - after)]
    parts = []
    if added:
        parts.append("aggiunti " + ", ".join(added))
    if removed:
        parts.append("esclusi " + ", ".join(removed))
    return ["soggetti ammessi: " + "; ".join(parts)] if parts else []


def _closed(old: Any, new: Any, tz: tzinfo) -> list[str]:
    return ["chiuso dall'ente prima della scadenza"] if new else ["riaperto dall'ente"]


def _rolling(old: Any, new: Any, tz: tzinfo) -> list[str]:
    return ["ora a sportello: domande fino a esaurimento fondi"] if new else ["non più a sportello"]


_DESCRIBERS: dict[str, Callable[[Any, Any, tzinfo], list[str]]] = {
    "closed_by_publisher": _closed,
    "deadlines": _deadlines,
    "rolling": _rolling,
    "opening_date": _opening,
    "budget_total": _money("dotazione", feminine=True),
    "grant_max": _money("contributo massimo per progetto", feminine=False),
    "grant_min": _money("contributo minimo per progetto", feminine=False),
    "cofinancing_rate": _cofinancing,
    "applicant_types": _applicants,
}
