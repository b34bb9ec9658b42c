"""The generic mapper: a raw record to a draft, driven only by the label conventions of ``Labelled``.

Every source mapper starts here and then adds what only its publisher's payload says. A source
without a mapper of its own is normalised by this one alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from urllib.parse import urljoin

from cercabandi.core.models import Attachment, RawCall
from cercabandi.core.safe_html import clean_html
from cercabandi.core.sources import SOURCES
from cercabandi.core.vocab import AmountLabel, ApplicantType, DateLabel, Level, TerritoryScope
from cercabandi.normalise.amounts import AmountRole, find_amounts, find_cofinancing, parse_money
from cercabandi.normalise.applicants import map_applicants
from cercabandi.normalise.dates import (
    DateMention,
    DateRole,
    find_dates,
    parse_epoch_millis,
    plausibility_problem,
)
from cercabandi.normalise.draft import Draft
from cercabandi.normalise.errors import NormalisationError
from cercabandi.normalise.instrument import classify_instrument
from cercabandi.normalise.territory import detect_territory, narrow_by_title
from cercabandi.normalise.text import clean_inline, detect_language, html_to_text, looks_like_html

DEFAULT_TERRITORY = {
    Level.EU: TerritoryScope.EU,
    Level.NATIONAL: TerritoryScope.ITALY,
    Level.REGIONAL: TerritoryScope.LOMBARDIA,  # our only regional publisher is Regione Lombardia
    Level.LOCAL: TerritoryScope.LOMBARDIA,
    Level.FOUNDATION: TerritoryScope.LOMBARDIA,  # Cariplo: Lombardy (plus Novara and VCO)
}

ROLLING_RE = re.compile(
    r"\ba\s+sportello\b|\besauriment[oi]\s+(?:\w+\s+){0,2}?(?:delle\s+|dei\s+|della\s+)?(?:fondi|risorse|dotazion[ei]|stanziament[oi]|plafond)"
    r"|\bfino\s+a(?:d)?\s+esaurimento\b|\buntil\s+(?:the\s+)?(?:funds|budget)\s+(?:are|is|run)|\bwhile\s+funds\s+last\b"
    r"|\bfirst[-\s]come,?\s+first[-\s]served\b|\bsenza\s+scadenza\b|\bcontinuously\s+open\b|\bopen[-\s]ended\b",
    re.IGNORECASE,
)
CLOSED_RE = re.compile(
    r"^\s*(?:chius[oa]|closed|terminat[oa]|scadut[oa]|conclus[oa]|esaurit[oa]|sospes[oa]|archiviat[oa]|non\s+attiv[oa]"
    r"|revocat[oa]|annullat[oa])\b",
    re.IGNORECASE,
)
_STAGE_RE = re.compile(
    r"\b(?:prim[ao]|second[ao]|terz[ao]|quart[ao]|first|second|third|fourth|final|fase|stage|finestra|cut-?off|round|step"
    r"|sessione|tranche)\b[\w\s'’-]{0,25}$",
    re.IGNORECASE,
)
_BARE_AMOUNT = re.compile(
    r"^\s*(?:€|eur|euro)?\s*[\d.,\s’']+\s*(?:miliardi|miliardo|mld|milioni|milione|mln|mio|million|millions|mila|k)?\.?"
    r"\s*(?:di\s+)?(?:€|eur|euro)?\s*$",
    re.IGNORECASE,
)
_EPOCH_RE = re.compile(r"^\s*\d{11,14}\s*$")


@dataclass(frozen=True)
class Policy:
    """How a source states things that the labels alone cannot say."""

    # How a bare "80%" under the ``cofinancing`` label is meant: True = the funder's share
    # (EU usage, "co-financing rate"), False = the applicant's share (Italian "cofinanziamento").
    cofinancing_funded_share: bool | None = None
    # ``extra`` keys holding applicant wording when ``applicants`` is empty.
    applicant_keys: tuple[str, ...] = ("a_chi_si_rivolge", "destinatari", "eligible_applicants", "beneficiari")
    # ``extra`` keys holding the form of support ("Contributo/Fondo perduto", "Finanziamento agevolato").
    instrument_keys: tuple[str, ...] = ("forma_agevolazione", "support_form", "tipologia", "tipo_strumento")
    issuer: str | None = None
    default_applicants: frozenset[ApplicantType] = field(default_factory=frozenset)
    default_applicants_note: str | None = None


def start_draft(raw: RawCall, now: datetime) -> Draft:
    info = SOURCES.get(raw.source)
    if info is None:
        raise NormalisationError(
            f"unknown source {raw.source!r}: add it to cercabandi/core/sources.py (level, name) "
            "and to the mappers of cercabandi/normalise"
        )
    return Draft(
        raw=raw,
        now=now,
        level=info.level,
        default_language="en" if info.level is Level.EU else "it",
        default_territory=DEFAULT_TERRITORY[info.level],
    )


def map_generic(raw: RawCall, now: datetime, policy: Policy | None = None) -> Draft:
    """Everything the label conventions say, with no knowledge of the publisher."""
    policy = policy or Policy()
    draft = start_draft(raw, now)
    read_text(draft)
    read_dates(draft)
    read_amounts(draft, policy)
    read_applicants(draft, policy)
    draft.territory = detect_territory(raw.territory, default=draft.default_territory) if raw.territory else None
    draft.territory = narrow_by_title(draft.territory, draft.title, draft.default_territory)
    read_status(draft)
    read_instrument(draft, policy)
    draft.issuer = clean_inline(raw.issuer) or policy.issuer
    draft.programme = clean_inline(raw.programme)
    draft.attachments = absolute_attachments(raw)
    draft.language = detect_language(
        " ".join(part for part in (draft.title, draft.summary, draft.body_text[:3000]) if part),
        default=draft.default_language,
    )
    return draft


# ---------------------------------------------------------------------------- text


def read_text(draft: Draft) -> None:
    raw = draft.raw
    draft.title = clean_inline(raw.title)
    if raw.summary:
        summary = " ".join(html_to_text(raw.summary).split())
        draft.summary = summary or None
    if raw.body:
        if looks_like_html(raw.body):
            draft.body_text = html_to_text(raw.body)
            draft.body_html = clean_html(raw.body, base_url=raw.url) or None
        else:
            draft.body_text = html_to_text(raw.body)


def absolute_attachments(raw: RawCall) -> list[Attachment]:
    kept: list[Attachment] = []
    for attachment in raw.attachments:
        url = urljoin(raw.url, attachment.url.strip())
        if url.startswith(("http://", "https://")):
            kept.append(attachment.model_copy(update={"url": url}))
    return kept


# --------------------------------------------------------------------------- dates


def _mentions(value: str) -> tuple[list[DateMention], list[str]]:
    if _EPOCH_RE.match(value):
        moment = parse_epoch_millis(value)
        if moment is None:
            return [], [f"'{value}' is not a usable epoch timestamp"]
        clock = None if moment.time() == time(0, 0) else moment.time()
        return [DateMention(0, len(value), moment.date(), clock, DateRole.UNKNOWN, value, clock is not None)], []
    scan = find_dates(value)
    return scan.mentions, scan.problems


def _short(value: str, limit: int = 90) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _stage_before(value: str, mention: DateMention, floor: int) -> str | None:
    match = _STAGE_RE.search(value[floor : mention.start])
    if not match:
        return None
    words = re.sub(
        r"\b(?:entro|il|le|ore|del|dell|al|by|on|is|è|scade|scadenza|deadline)\b.*$",
        "",
        match.group(0),
        flags=re.IGNORECASE,
    )
    return " ".join(words.split()).strip(" :,-") or None


@dataclass(frozen=True)
class _DateText:
    """One labelled date string and what it says, as every per-label reader sees it."""

    label: str  # as written, for warnings
    value: str
    stage: str | None  # what follows the colon: "deadline: second stage"
    mentions: list[DateMention]
    usable: list[DateMention]  # without publication, reference and milestone dates
    problems: list[str]

    def roles(self, *roles: DateRole) -> list[DateMention]:
        return [m for m in self.usable if m.role in roles]


def read_dates(draft: Draft) -> None:
    """Deadlines and the opening date from the labelled dates; publication dates are never used."""
    implausible_deadlines = 0
    for item in draft.raw.dates:
        base, _, stage_text = item.label.partition(":")
        reader = _DATE_READERS.get(base.strip().lower())
        if reader is None:
            continue  # "published" and unknown labels: kept in the raw record, never a deadline
        value = item.value or ""
        if ROLLING_RE.search(value):
            draft.rolling = True
        mentions, problems = _mentions(value)
        for problem in problems:
            draft.warn(f"{item.label}: {problem}")
        usable = [m for m in mentions if m.role not in (DateRole.PUBLISHED, DateRole.REFERENCE, DateRole.MILESTONE)]
        text = _DateText(item.label, value, stage_text.strip() or None, mentions, usable, problems)
        implausible_deadlines += _add_deadlines(draft, text, reader(draft, text))
    if not draft.deadlines and implausible_deadlines:
        draft.rolling = True
        draft.warn("no usable deadline (only placeholder dates): read as open until the publisher closes it")


def _read_opening(draft: Draft, text: _DateText) -> list[DateMention]:
    openings = text.roles(DateRole.OPENING, DateRole.UNKNOWN)
    if openings:
        set_opening(draft, openings[0])
    elif not text.problems:
        draft.warn(f"opening '{_short(text.value)}': no date I can read")
    return []


def _read_period(draft: Draft, text: _DateText) -> list[DateMention]:
    usable = text.usable
    if len(usable) >= 2:
        set_opening(draft, next((m for m in usable if m.role is DateRole.OPENING), usable[0]))
        return [next((m for m in reversed(usable) if m.role is DateRole.DEADLINE), usable[-1])]
    # One date in a period phrase: its cue words say which end it is.
    openings = text.roles(DateRole.OPENING)
    for mention in openings[:1]:
        set_opening(draft, mention)
    deadlines = text.roles(DateRole.DEADLINE)
    if not openings and not deadlines and usable:
        draft.warn(f"period '{_short(text.value)}': one date and no word saying whether it opens or closes: ignored")
    return deadlines


def _read_closing_note(draft: Draft, text: _DateText) -> list[DateMention]:
    _open_if_unset(draft, text)
    return text.roles(DateRole.DEADLINE)


def _read_deadline(draft: Draft, text: _DateText) -> list[DateMention]:
    deadlines = text.roles(DateRole.DEADLINE) or text.roles(DateRole.UNKNOWN)
    _open_if_unset(draft, text)
    if not deadlines and not text.problems and not draft.rolling and not text.mentions:
        draft.warn(f"{text.label} '{_short(text.value)}': no date I can read")
    return deadlines


def _open_if_unset(draft: Draft, text: _DateText) -> None:
    for mention in text.roles(DateRole.OPENING):
        if draft.opening_date is None:
            set_opening(draft, mention)


_DATE_READERS: dict[str, Callable[[Draft, _DateText], list[DateMention]]] = {
    DateLabel.OPENING: _read_opening,
    DateLabel.PERIOD: _read_period,
    DateLabel.CLOSING_NOTE: _read_closing_note,
    DateLabel.DEADLINE: _read_deadline,
}


def _add_deadlines(draft: Draft, text: _DateText, deadlines: list[DateMention]) -> int:
    """Add the deadlines a string states, each with its stage; how many were implausible."""
    implausible = 0
    floor = 0
    for mention in deadlines:
        label = text.stage or (_stage_before(text.value, mention, floor) if len(deadlines) > 1 else None)
        implausible += add_deadline(draft, mention, label)
        floor = mention.end
    return implausible


def add_deadline(draft: Draft, mention: DateMention, label: str | None) -> int:
    """Add a deadline; 1 when it was implausible and left out (warned), else 0."""
    at = mention.at(end_of_day=True)
    problem = plausibility_problem(at, draft.now)
    if problem:
        draft.warn(f"deadline {problem}")
        return 1
    draft.add_deadline(at, label, has_time=mention.clock is not None)
    return 0


def set_opening(draft: Draft, mention: DateMention, *, from_text: bool = False) -> None:
    at = mention.at(end_of_day=False)
    problem = plausibility_problem(at, draft.now)
    if problem:
        draft.warn(f"opening date {problem}")
        return
    if draft.opening_date is None:
        draft.opening_date = at
        draft.opening_from_text = from_text


# ------------------------------------------------------------------------- amounts


def labelled_amount(value: str, role: AmountRole) -> Decimal | None:
    """The amount a labelled string states for ``role`` ("€ 1.500.000,00", "1500000.0", a sentence)."""
    found = find_amounts(value)
    if found:
        for wanted in (role, AmountRole.UNKNOWN):
            picked = [a for a in found if a.role is wanted]
            if picked:
                return picked[0].value
        return None
    if _BARE_AMOUNT.match(value) and re.search(r"\d", value):
        return parse_money(value)
    return None


Stated = dict[AmountRole, list[Decimal]]  # what the record states for each role, in order

_ROLE_OF_LABEL = {
    AmountLabel.BUDGET: AmountRole.BUDGET,
    AmountLabel.GRANT_MIN: AmountRole.GRANT_MIN,
    AmountLabel.GRANT_MAX: AmountRole.GRANT_MAX,
}
_FIELD_OF_ROLE = {
    AmountRole.BUDGET: "budget_total",
    AmountRole.GRANT_MIN: "grant_min",
    AmountRole.GRANT_MAX: "grant_max",
}


def read_amounts(draft: Draft, policy: Policy) -> None:
    """Budget, grant range and co-financing rate from the labelled amounts, else from the text."""
    stated: Stated = {AmountRole.BUDGET: [], AmountRole.GRANT_MIN: [], AmountRole.GRANT_MAX: []}
    for item in draft.raw.amounts:
        label = item.label.split(":")[0].strip().lower()
        value = item.value or ""
        if label in _ROLE_OF_LABEL:
            _read_role_amount(draft, item.label, value, _ROLE_OF_LABEL[AmountLabel(label)], stated)
        elif label == AmountLabel.AMOUNT:
            _keep_found(stated, value)
        elif label == AmountLabel.COFINANCING and draft.cofinancing_rate is None:
            _read_cofinancing(draft, value, policy)
    texts = " \n".join(part for part in (draft.summary, draft.body_text) if part)
    if texts and not any(stated.values()):
        _keep_found(stated, texts)
    if draft.cofinancing_rate is None and texts:
        reading = find_cofinancing(texts)
        if reading is not None:
            draft.cofinancing_rate = reading.rate
    _set_amounts(draft, stated)


def _read_role_amount(draft: Draft, label: str, value: str, role: AmountRole, stated: Stated) -> None:
    amount = labelled_amount(value, role)
    if amount is None:
        draft.warn(f"{label} '{_short(value)}': no amount I can read")
    elif amount > 0:
        stated[role].append(amount)
    # A sentence labelled for one role often states another too ("le risorse ammontano a
    # 2.500.000 euro; i contributi saranno tra 50.000 e 200.000 euro"): keep what it says.
    _keep_found(stated, value, besides=role)


def _keep_found(stated: Stated, text: str, *, besides: AmountRole | None = None) -> None:
    for found in find_amounts(text):
        if found.role in stated and found.role is not besides and found.value > 0:
            stated[found.role].append(found.value)


def _read_cofinancing(draft: Draft, value: str, policy: Policy) -> None:
    reading = find_cofinancing(value, default_funded_share=policy.cofinancing_funded_share)
    if reading is None:
        draft.warn(f"cofinancing '{_short(value)}': no percentage I can read")
        return
    draft.cofinancing_rate = reading.rate
    if "usual wording" in reading.note:
        draft.warn(f"co-financing {reading.note}")


def _set_amounts(draft: Draft, stated: Stated) -> None:
    """The first amount stated for each role; several different ones are warned about."""
    for role, amounts in stated.items():
        distinct = list(dict.fromkeys(amounts))
        if not distinct:
            continue
        if len(distinct) > 1:
            draft.warn(
                f"several {role.value} amounts stated ({', '.join(str(v) for v in distinct[:4])}): used {distinct[0]}"
            )
        setattr(draft, _FIELD_OF_ROLE[role], distinct[0])


# ---------------------------------------------------------------------- applicants


def read_applicants(draft: Draft, policy: Policy) -> None:
    raw = draft.raw
    wording = raw.applicants
    if not wording or not wording.strip():
        wording = next((raw.extra[k] for k in policy.applicant_keys if raw.extra.get(k, "").strip()), None)
    if wording:
        text = html_to_text(wording) if looks_like_html(wording) else " ".join(wording.split())
        draft.applicants_text = text or None
        draft.applicant_types = map_applicants(text)
        if text and not draft.applicant_types:
            draft.warn(
                f"applicants '{_short(text)}' name no applicant type we know: add the wording to normalise/applicants.py"
            )
    if not draft.applicant_types and policy.default_applicants:
        draft.applicant_types = set(policy.default_applicants)
        if policy.default_applicants_note:
            draft.warn(policy.default_applicants_note)


# -------------------------------------------------------------- status, instrument


def read_status(draft: Draft) -> None:
    status = draft.raw.status or ""
    if CLOSED_RE.match(status):
        draft.closed_by_publisher = True
    if ROLLING_RE.search(status):
        draft.rolling = True


def read_instrument(draft: Draft, policy: Policy) -> None:
    stated = [draft.raw.extra[k] for k in policy.instrument_keys if draft.raw.extra.get(k)]
    text = " ".join(part for part in (draft.summary, draft.body_text) if part)
    draft.instrument, draft.instrument_reason = classify_instrument(draft.title, stated, text)
