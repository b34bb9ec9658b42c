"""Facts stated in prose: verbatim sentences about money, dates and closing, and titled sections.

Publishers without structured data (foundations, ministries' news pages, PDF notices) state the
budget, the minimum and maximum contribution, the co-financing and the deadline in sentences.
These helpers find those sentences and label them with the conventions of
``cercabandi.core.models.Labelled``; they never turn them into numbers or dates (normalisation
does that), so what a person reads in the raw record is exactly what the publisher wrote.
Pure functions: no Scrapy, no network, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from parsel import Selector

from cercabandi.core.models import Labelled
from cercabandi.core.months import MONTHS_EN, MONTHS_IT
from cercabandi.core.vocab import AmountLabel, DateLabel


class PageShapeError(ValueError):
    """A response does not have the shape the spider was written for (the publisher changed it)."""


# ----------------------------------------------------------------------------- text

_SPACES = re.compile(r"\s+")
_BLOCK_TAGS = (
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "div",
    "td",
    "th",
    "dt",
    "dd",
    "tr",
    "section",
    "article",
    "br",
)


_HIDDEN_TAGS = ("script", "style", "noscript", "template")


def clean(text: str | None) -> str:
    """Collapse runs of whitespace (including non-breaking spaces) to one space; strip the ends."""
    if not text:
        return ""
    return _SPACES.sub(" ", text.replace("\xa0", " ")).strip()


def node_text(node: Selector | None) -> str:
    """Visible text of an element, block elements separated by newlines, scripts and styles left out."""
    if node is None:
        return ""
    root = node.root
    if not hasattr(root, "iterchildren"):  # a text node or an attribute: no structure to follow
        return clean(str(root))
    parts: list[str] = []
    _collect_text(root, parts)
    lines = (clean(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _collect_text(element: Any, parts: list[str]) -> None:
    """Append an element's text to ``parts`` in reading order, block elements on lines of their own.

    Parsel hands text nodes back as plain strings without their parent, so the tree is walked here.
    """
    tag = element.tag if isinstance(element.tag, str) else ""  # comments and processing instructions: ""
    if tag in _BLOCK_TAGS:
        parts.append("\n")
    if tag and tag not in _HIDDEN_TAGS:
        parts.append(element.text or "")
        for child in element.iterchildren():
            _collect_text(child, parts)
            parts.append(child.tail or "")
    if tag in _BLOCK_TAGS:
        parts.append("\n")


def first_text(node: Selector, *css: str) -> str:
    """Text of the first element matched by the first selector that matches anything."""
    for query in css:
        found = node.css(query)
        if found:
            return clean(" ".join(found[0].css("::text").getall()))
    return ""


def slugify(text: str, max_length: int = 120) -> str:
    """A stable ASCII slug, used as native id when a publisher gives none."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


# ------------------------------------------------------------------------ sentences

# A full stop ends a sentence unless it sits inside a number (1.000.000), an abbreviation we know
# (art., n., D.M.) or a date (31.12.2025).
_ABBREVIATIONS = ("art", "artt", "n", "nn", "d", "m", "dl", "dlgs", "l", "co", "lett", "pag", "ecc", "e.g", "i.e", "ca")
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-ZÀÈÉÌÒÙ\"“(0-9])|\n+")


def sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping each one verbatim (whitespace collapsed)."""
    out: list[str] = []
    pending = ""
    for chunk in _SENTENCE_END.split(text):
        chunk = clean(chunk)
        if not chunk:
            continue
        candidate = f"{pending} {chunk}".strip() if pending else chunk
        last_word = re.split(r"[\s'’(]", candidate)[-1].rstrip(".").lower()
        if candidate.endswith(".") and (last_word in _ABBREVIATIONS or len(last_word) == 1 or "." in last_word):
            pending = candidate  # "art. 5" was cut after "art."
            continue
        out.append(candidate)
        pending = ""
    if pending:
        out.append(pending)
    return out


# --------------------------------------------------------------------------- money

_MONEY = re.compile(
    r"(?:€|eur\b|euro\b|euros\b|milion[ei]\b|million\b|mln\b|mld\b|miliard[io]\b|billion\b|\bk€)",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d")
_PERCENT = re.compile(r"\d\s*(?:%|per\s*cento|percent)", re.IGNORECASE)

_COFINANCING = re.compile(
    r"co-?finanzia|co-?financ|cofinanc|quota\s+(?:a\s+carico|di\s+partecipazione)|risorse\s+propri"
    r"|own\s+(?:resources|contribution)|match(?:ed)?\s+funding"
    r"|(?:costi|spese|costs)\s+(?:totali\s+|complessivi\s+)?(?:ammissibili|del\s+progetto|eligible|of\s+the\s+project)"
    r"|eligible\s+costs|co-?financing\s+rate",
    re.IGNORECASE,
)
_GRANT_MIN = re.compile(
    r"contributo\s+minimo|minimo\s+(?:di|pari\s+a)|inferiore\s+a|almeno\s+(?:€|euro)"
    r"|minimum\s+(?:grant|contribution|amount|of)|at\s+least\s+(?:€|eur)|compres[oa]\s+tra|tra\s+(?:€\s*)?[\d.]+\s*(?:euro\s+)?e\s",
    re.IGNORECASE,
)
_GRANT_MAX = re.compile(
    r"contributo\s+massimo|massimo\s+(?:di|pari\s+a)|fino\s+a(?:d)?\s+(?:un\s+massimo\s+di\s+)?(?:€|euro|eur)?\s*\d"
    r"|non\s+(?:potrà|può|potranno|possono)\s+(?:essere\s+)?super|non\s+superiore|importo\s+massimo|tetto"
    r"|up\s+to\s+(?:€|eur)|maximum\s+(?:grant|contribution|amount|of)|not\s+exceed|capped|compres[oa]\s+tra"
    r"|tra\s+(?:€\s*)?[\d.]+\s*(?:euro\s+)?e\s",
    re.IGNORECASE,
)
_BUDGET = re.compile(
    r"budget|dotazione|stanzia|destinat[ie]\s+a|importo\s+complessivo|complessiv[oa]\s+(?:di|pari)|risorse\s+(?:disponibili|complessive|destinate|stanziate)|plafond"
    r"|fondo\s+(?:complessivo|di)|a\s+disposizione|total\s+(?:erdf\s+)?(?:budget|amount|funding)|overall|allocat",
    re.IGNORECASE,
)


def amount_facts(text: str) -> list[Labelled]:
    """Sentences that state money, labelled budget / grant_min / grant_max / cofinancing / amount.

    A sentence with a range ("tra 50.000 e 200.000 euro") is labelled both ``grant_min`` and
    ``grant_max``; a co-financing sentence needs a percentage or a figure. Each sentence appears
    once per label, in reading order.
    """
    facts: list[Labelled] = []
    seen: set[tuple[str, str]] = set()
    for sentence in sentences(text):
        has_money = bool(_MONEY.search(sentence)) and bool(_FIGURE.search(sentence))
        has_percent = bool(_PERCENT.search(sentence))
        grant = [
            label
            for label, cue in ((AmountLabel.GRANT_MIN, _GRANT_MIN), (AmountLabel.GRANT_MAX, _GRANT_MAX))
            if cue.search(sentence)
        ]
        labels: list[str] = []
        # "up to a maximum of EUR 2 million ERDF co-financing" caps the grant: a sum bounded by
        # a grant cue is co-financing only when a rate is stated too.
        if _COFINANCING.search(sentence) and (has_percent or (has_money and not grant)):
            labels.append(AmountLabel.COFINANCING)
        if has_money:
            labels += grant
            if not labels and _BUDGET.search(sentence):
                labels.append(AmountLabel.BUDGET)
            if not labels:
                labels.append(AmountLabel.AMOUNT)
        for label in labels:
            if (label, sentence) not in seen:
                seen.add((label, sentence))
                facts.append(Labelled(label=label, value=sentence))
    return facts


# --------------------------------------------------------------------------- dates

_MONTHS = "|".join(MONTHS_IT + MONTHS_EN)
_DATE = re.compile(
    rf"\b\d{{1,2}}\s*(?:/|\.|-)\s*\d{{1,2}}\s*(?:/|\.|-)\s*\d{{2,4}}\b"
    rf"|\b\d{{1,2}}/\d{{1,2}}\b"
    rf"|\b\d{{1,2}}(?:°|º)?\s+(?:{_MONTHS})(?:\s+\d{{4}})?\b"
    rf"|\b(?:{_MONTHS})\s+\d{{1,2}},?\s+\d{{4}}\b"
    rf"|\b\d{{4}}-\d{{2}}-\d{{2}}\b",
    re.IGNORECASE,
)
_PERIOD = re.compile(
    r"\bdal(?:l')?\s*.{0,40}?\bal(?:l')?\s|\bfrom\s+.{0,40}?\b(?:to|until)\b|\btra\s+il\b"
    # hours before the dates: "dalle ore 10:00 del 16/06/2026 alle ore 16:00 del 30/07/2026"
    r"|\bdalle\s+ore\b.{0,60}?\balle\s+ore\b"
    # "launched on 25 February 2026 and closed on 15 June 2026"
    r"|\b(?:launch|open)\w*\s+on\b.{0,60}?\b(?:closed?|closing|closes)\s+on\b",
    re.IGNORECASE,
)
_DEADLINE = re.compile(
    r"scadenz|scade|entro\s+(?:e\s+non\s+oltre\s+)?(?:il|le|la|ore)|termine|chiusura|chiude|fino\s+al(?:le)?\s"
    r"|si\s+chiud\w+|chiudon\w*|chiuder\w*"
    r"|deadline|cut-?\s?off|clos(?:es?|ed)\b|closing|submi\w+\s+(?:by|until|before)|no\s+later\s+than|until\b",
    re.IGNORECASE,
)
_OPENING = re.compile(r"apertura|a\s+partire\s+da|aprir|apre\b|dalle\s+ore|opens?\b|opening|launch", re.IGNORECASE)
_PUBLISHED = re.compile(r"pubblicat|published|data\s+di\s+pubblicazione", re.IGNORECASE)
_CLOSING_NOTE = re.compile(
    r"esauriment[oi]\s+(?:\w+\s+){0,2}?(?:delle\s+|dei\s+|della\s+)?(?:fondi|risorse|dotazion[ei]|stanziament[oi]|plafond)"
    r"|salvo\s+(?:chiusura\s+anticipata\s+per\s+)?esauriment"
    r"|fino\s+a(?:d)?\s+esaurimento|a\s+sportello|until\s+(?:the\s+)?funds\s+(?:are|run)|while\s+funds\s+last"
    r"|first[- ]come,?\s+first[- ]served",
    re.IGNORECASE,
)


def closing_notes(text: str) -> list[Labelled]:
    """Sentences saying a call stays open until its funds run out ("fino ad esaurimento fondi")."""
    return [Labelled(label=DateLabel.CLOSING_NOTE, value=s) for s in sentences(text) if _CLOSING_NOTE.search(s)]


def date_facts(text: str) -> list[Labelled]:
    """Sentences with a date, labelled period / deadline / opening / published; closing notes too.

    A sentence naming both ends ("dal 02/03 al 03/06/2026") is a ``period``. Sentences with a
    date but no cue are left out: a date alone says nothing about the call.
    """
    facts: list[Labelled] = []
    for sentence in sentences(text):
        if _CLOSING_NOTE.search(sentence):
            facts.append(Labelled(label=DateLabel.CLOSING_NOTE, value=sentence))
        dates = _DATE.findall(sentence)
        if not dates:
            continue
        if len(dates) >= 2 and _PERIOD.search(sentence):
            label = DateLabel.PERIOD
        elif _DEADLINE.search(sentence):
            label = DateLabel.DEADLINE
        elif _OPENING.search(sentence):
            label = DateLabel.OPENING
        elif _PUBLISHED.search(sentence):
            label = DateLabel.PUBLISHED
        else:
            continue
        facts.append(Labelled(label=label, value=sentence))
    return facts


# ------------------------------------------------------------------------ sections


def split_sections(text: str, headings: Sequence[str]) -> dict[str, str]:
    """Cut text at known headings ("Cos'è", "A chi si rivolge", ...), wherever they appear.

    Headings are matched case-insensitively, with straight or curly apostrophes, even glued to
    the next word ("Cos'èavviso ..."). Text before the first heading is returned under "".
    """
    if not text:
        return {}
    patterns = [re.escape(h).replace("'", "['’]").replace(r"\ ", r"\s+") for h in headings]
    splitter = re.compile("(" + "|".join(patterns) + ")", re.IGNORECASE)
    pieces = splitter.split(text)
    sections: dict[str, str] = {}
    lead = clean(pieces[0])
    if lead:
        sections[""] = lead
    canonical = {clean(h).lower().replace("’", "'"): h for h in headings}
    for i in range(1, len(pieces) - 1, 2):
        name = canonical.get(clean(pieces[i]).lower().replace("’", "'"), pieces[i])
        body = clean(pieces[i + 1])
        if name in sections:  # the heading came back (a quoted title): keep reading the same section
            sections[name] = f"{sections[name]} {pieces[i]} {body}".strip()
        elif body:
            sections[name] = body
    return sections


def unique(items: Iterable[Labelled]) -> list[Labelled]:
    """Drop repeated (label, value) pairs, keeping the first occurrence."""
    seen: set[tuple[str, str]] = set()
    out: list[Labelled] = []
    for item in items:
        key = (item.label, item.value)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
