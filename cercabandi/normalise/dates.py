"""Dates and times as Italian (and EU English) publishers write them, to aware UTC datetimes.

Our own regular expressions, not dateparser. dateparser reads one date well once it is isolated,
but our strings are sentences holding several dates ("a partire dalle ore 12.00 del 21/04/2026 fino
alle ore 12.00 del 23/06/2026"), times written before the date ("entro le ore 12:00 del 30 aprile
2026"), ranges that share one year ("dal 02/03 al 03/06/2026") and legal references ("DD n. 228 del
09 ottobre 2024"). Finding, pairing and classifying those needs the spans and the words around each
date, which we need regular expressions for anyway; with them, parsing the date itself is a few
lines, deterministic and fast (dateparser's search misread "il 30 aprile 2027 alle ore 12" as
12 April, see STACK.md).

Conventions (also in the README):
- Numeric dates are day first ("02/03/2026" is 2 March), as in Italy and in EU documents. A
  numeric date that only makes sense month first ("03/25/2026") is rejected with a warning.
- Times without a zone are Europe/Rome (DST handled by zoneinfo); "CET", "CEST", "Brussels time"
  and "ora italiana" are the same clock. "UTC"/"GMT" and ISO offsets are honoured.
- A date without an hour, used as a deadline, closes at 23:59:59 Europe/Rome of that day: the
  publisher said "by that day", and closing earlier would hide a call that is still open. As an
  opening date it opens at 00:00 Europe/Rome. "ore 24:00" is read as 23:59:59 of the same day, so
  the calendar date shown stays the one the publisher wrote.
- A datetime at exactly midnight from a structured field (Socrata's floating
  "2026-09-07T00:00:00.000", SEDIA's "2026-10-08T00:00:00.000+0000", epoch milliseconds at
  00:00 UTC) carries a date only: it is read as that calendar date, without an hour.
- Every date is classified by the words just before it: publication, opening, deadline, a
  reference to an act ("decreto n. 12 del ..."), a project milestone ("concludere i lavori entro
  ..."), or unknown. Only deadlines become deadlines.
- Implausible dates (before 2000, or more than 10 years after ``now``, e.g. the 2099-12-31 and
  1970-01-01 placeholders) and impossible ones (31/02) are reported as warnings and not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from cercabandi.core.models import ROME
from cercabandi.core.months import MONTHS_EN, MONTHS_IT

END_OF_DAY = time(23, 59, 59)
EARLIEST_PLAUSIBLE = date(2000, 1, 1)
PLAUSIBLE_YEARS_AHEAD = 10

# The abbreviations publishers write, beside the full Italian and English names of core.months.
_ABBREVIATIONS = (
    ("genn", "gen", "jan"),
    ("febbr", "feb"),
    ("mar",),
    ("apr",),
    ("mag",),
    ("giu", "jun"),
    ("lug", "jul"),
    ("ago", "aug"),
    ("sett", "set", "sept", "sep"),
    ("ott", "oct"),
    ("nov",),
    ("dic", "dec"),
)
MONTHS: dict[str, int] = {
    name: number
    for number, (italian, english, short) in enumerate(zip(MONTHS_IT, MONTHS_EN, _ABBREVIATIONS, strict=True), start=1)
    for name in (italian, english, *short)
}

_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_ORD = r"(?:°|º|\s?(?:st|nd|rd|th)\b)?"

# One alternation, tried left to right at each position: ISO first, then written months, then numeric.
_DATE_RE = re.compile(
    r"(?P<iso>\b(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    r"(?:[T ](?P<ih>\d{2}):(?P<imi>\d{2})(?::(?P<isec>\d{2})(?:\.\d{1,9})?)?)?"
    r"(?:\s?(?P<itz>Z|[+-]\d{2}:?\d{2}))?)"
    rf"|(?P<txt>\b(?P<td>\d{{1,2}}){_ORD}\s+(?:di\s+)?(?P<tm>{_MONTH})\b\.?\s*,?\s+(?P<ty>\d{{4}})\b)"
    rf"|(?P<eng>\b(?P<em>{_MONTH})\b\.?\s+(?P<ed>\d{{1,2}}){_ORD}\s*,?\s+(?P<ey>\d{{4}})\b)"
    r"|(?P<num>(?<![\d/.\-])(?P<nd>\d{1,2})\s?(?P<ns>[/.\-])\s?(?P<nm>\d{1,2})\s?(?P=ns)\s?(?P<ny>\d{4}|\d{2})(?![\d/]|\.\d))"
    # Partial dates: only kept when a full date follows after a range connector ("dal 2/3 al 5/6/2026").
    rf"|(?P<ptxt>\b(?P<pd>\d{{1,2}}){_ORD}\s+(?P<pm>{_MONTH})\b\.?)(?=\s*(?:al|all['’]|a|e|-|–|—|to|until|and)\s)"
    r"|(?P<pnum>(?<![\d/.\-])(?P<qd>\d{1,2})\s?/\s?(?P<qm>\d{1,2}))(?=\s*(?:al|-|–|—|to|until)\s*\d)"
    r"|(?P<pday>(?<=\bdal\s)(?P<od>\d{1,2})|(?<=\bfrom\s)(?P<fd>\d{1,2}))(?:°|º)?(?=\s*(?:al|to|-|–)\s*\d)",
    re.IGNORECASE,
)

_TZ_WORDS = r"(?:\s*\(?\s*(?P<tz>UTC|GMT|CET|CEST|(?:Brussels|Bruxelles|Rome|Roma)(?:\s+local)?\s+time|ora\s+(?:italiana|locale))\s*\)?)?"
_TIME_AFTER_RE = re.compile(
    r"^\s*[,;]?\s*(?:-\s*)?(?:(?:entro\s+)?(?:le\s+|alle\s+)?(?:ore|h\.?|hrs?\.?)|alle|at)\s*(?P<h>\d{1,2})(?:[:.](?P<mi>\d{2}))?(?::\d{2})?"
    + _TZ_WORDS
    + r"|^\s*[,;]?\s*(?:T\s*)?(?P<h2>\d{1,2}):(?P<mi2>\d{2})(?::\d{2})?"
    + _TZ_WORDS.replace("?P<tz>", "?P<tz2>"),
    re.IGNORECASE,
)
# A time written after a date but belonging to the next one: "... 21/04/2026 alle ore 18 del 23/06/2026".
_TIME_OF_NEXT_RE = re.compile(r"^\s*(?:del(?:l['’])?|del\s+giorno|di|il\s+giorno)\b", re.IGNORECASE)
_TIME_BEFORE_RE = re.compile(
    r"(?:\b(?:ore|h\.?|hrs?\.?|alle|at|by)\s*)(?P<h>\d{1,2})(?:[:.](?P<mi>\d{2}))?(?::\d{2})?"
    + _TZ_WORDS
    + r"\s*(?:\)\s*)?(?:del(?:l['’])?|del\s+giorno|dello|di|il\s+giorno|il|on|of)?\s*(?:giorno\s+)?(?:\w+dì\s+)?,?\s*$",
    re.IGNORECASE,
)
_WINDOW_WITHIN_DAY_RE = re.compile(
    r"\bdalle\s+(?:ore\s+)?\d{1,2}(?:[:.]\d{2})?\s+alle\s+(?:ore\s+)?\d{1,2}(?:[:.]\d{2})?\s+del(?:l['’])?(?:\s+giorno)?\s*$",
    re.IGNORECASE,
)


# "... 2025. Successivamente", a new line or a semicolon; not "n. 228" nor "art. 5".
_SENTENCE_END_RE = re.compile(r"[.!?]\s+(?=[A-ZÀ-Ý])|[;\n]")


class DateRole(StrEnum):
    PUBLISHED = "published"
    OPENING = "opening"
    DEADLINE = "deadline"
    REFERENCE = "reference"  # the date of an act: "decreto n. 12 del 3 marzo 2026"
    MILESTONE = "milestone"  # a project's own term: "concludere i lavori entro il ..."
    UNKNOWN = "unknown"


# Cue words looked for just before a date; the cue nearest to the date wins.
_ROLE_CUES: tuple[tuple[DateRole, re.Pattern[str]], ...] = (
    (
        DateRole.PUBLISHED,
        re.compile(
            r"\b(?:pubblicat\w*|pubblicazione|notizia|comunicato|aggiornat\w*|aggiornamento|data\s+di\s+inserimento"
            r"|published|publication(?:\s+date)?|posted|updated|last\s+update)\b",
            re.IGNORECASE,
        ),
    ),
    (
        DateRole.OPENING,
        re.compile(
            r"\b(?:dal|dall['’]|dalle|dalla|a\s+partire\s+d\w*|apertura|aperto|aperta|apre|apriranno|inizio|avvio"
            r"|decorrere|opening|opens?|opened|start(?:s|ing)?(?:\s+date)?|from|planned\s+opening)\b",
            re.IGNORECASE,
        ),
    ),
    (
        DateRole.DEADLINE,
        re.compile(
            r"\b(?:entro|scade|scadr\w+|scadenz\w*|termine|termini|fino\s+al\w*|fino\s+a|al|alle|all['’]|non\s+oltre"
            r"|chiusura|chiude|chiuder\w+|deadline|deadlines|closing|closes?|until|till|due|submission)\b",
            re.IGNORECASE,
        ),
    ),
    (
        DateRole.REFERENCE,
        re.compile(
            r"\b(?:decret\w*|legge|d\.?\s?lgs\.?|d\.?\s?l\.|dpcm|d\.?\s?p\.?\s?r\.?|dgr|d\.?g\.?r\.?|ddg|ddu|dcu|dcd|dd"
            r"|d\.d\.|deliber\w*|regolamento|circolare|nota|determin\w*|provvediment\w*|ordinanz\w*|intesa|accordo"
            r"|l\.\s?r\.|decision|regulation|directive)\b[^.;\n]{0,60}$|\bn\.?\s*\d+[\w/.-]*\s+(?:del|dell['’])\s*$",
            re.IGNORECASE,
        ),
    ),
)
# Words between the cue and the date that turn a deadline into a project milestone.
_MILESTONE_RE = re.compile(
    r"\b(?:lavori|conclu\w+|realizza\w*|ultima\w+|rendicont\w*|spes[ae]|erogazion\w*|aggiudica\w*|affidament\w*"
    r"|liquidazion\w*|pagament\w*|collaudo|completion|implementation|project\s+duration|eligibility\s+of\s+costs)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateMention:
    """One date found in a text, with the time written next to it and its role."""

    start: int
    end: int
    day: date
    clock: time | None
    role: DateRole
    text: str
    utc_clock: bool = False  # the time was given in UTC (an ISO offset or "UTC"), not Europe/Rome

    def at(self, *, end_of_day: bool) -> datetime:
        return to_utc(self.day, self.clock, end_of_day=end_of_day, utc_clock=self.utc_clock)


@dataclass
class DateScan:
    """What a text says about dates: every mention, plus problems found while reading it."""

    mentions: list[DateMention]
    problems: list[str]

    def with_role(self, role: DateRole) -> list[DateMention]:
        return [m for m in self.mentions if m.role is role]


def to_utc(day: date, clock: time | None, *, end_of_day: bool, utc_clock: bool = False) -> datetime:
    """A calendar day and an optional time (Europe/Rome unless ``utc_clock``) as aware UTC."""
    if clock is None:
        clock = END_OF_DAY if end_of_day else time(0, 0)
    zone = UTC if utc_clock else ROME
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _make_date(
    year: int, month: int, day: int, raw: str, problems: list[str], *, day_first: bool = False
) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        if day_first and month > 12 and 1 <= day <= 12:
            problems.append(f"'{raw}' is not a day-first date (month {month}?): written month first? not trusted")
        else:
            problems.append(f"'{raw}' is not a real date: ignored")
        return None


def _clock(hour_text: str | None, minute_text: str | None) -> time | None:
    if hour_text is None:
        return None
    hour = int(hour_text)
    minute = int(minute_text) if minute_text else 0
    if hour == 24 and minute == 0:
        return END_OF_DAY
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _time_after(text: str, end: int) -> tuple[time | None, bool, int]:
    match = _TIME_AFTER_RE.match(text[end : end + 60])
    if not match:
        return None, False, end
    rest = text[end + match.end() : end + match.end() + 20]
    if _TIME_OF_NEXT_RE.match(rest):
        return None, False, end
    hour, minute = (
        (match.group("h"), match.group("mi")) if match.group("h") else (match.group("h2"), match.group("mi2"))
    )
    zone = (match.group("tz") or match.group("tz2") or "").upper()
    return _clock(hour, minute), zone in ("UTC", "GMT"), end + match.end()


def _time_before(text: str, start: int, floor: int) -> tuple[time | None, bool]:
    window = text[max(floor, start - 60) : start]
    match = _TIME_BEFORE_RE.search(window)
    if not match:
        return None, False
    zone = (match.group("tz") or "").upper()
    return _clock(match.group("h"), match.group("mi")), zone in ("UTC", "GMT")


def _role(text: str, start: int, floor: int) -> DateRole:
    """Role of the date starting at ``start`` from the cue words nearest before it."""
    left = text[max(floor, start - 90) : start]
    # The context ends at a sentence boundary: a cue in the previous sentence says nothing here.
    boundaries = list(_SENTENCE_END_RE.finditer(left))
    if boundaries:
        left = left[boundaries[-1].end() :]
    if _WINDOW_WITHIN_DAY_RE.search(left):
        return DateRole.OPENING
    best: tuple[int, DateRole] | None = None
    for role, pattern in _ROLE_CUES:
        for match in pattern.finditer(left):
            # A reference counts from where the act is named ("decreto n. 12 del"), so a cue
            # written after the act's name ("il decreto prevede ... entro il") still wins.
            position = match.start() if role is DateRole.REFERENCE else match.end()
            if best is None or position >= best[0]:
                best = (position, role)
    if best is None:
        return DateRole.UNKNOWN
    role = best[1]
    if role is DateRole.DEADLINE:
        deadline_cue = list(_ROLE_CUES[2][1].finditer(left))[-1]
        if _MILESTONE_RE.search(left[max(0, deadline_cue.start() - 40) :]):
            return DateRole.MILESTONE
    return role


def find_dates(text: str) -> DateScan:
    """Every date written in ``text``, with its time, role and span; problems reported, not raised."""
    problems: list[str] = []
    found: list[DateMention] = []
    partials: list[tuple[re.Match[str], int, int | None]] = []
    floor = 0
    for match in _DATE_RE.finditer(text):
        groups = match.groupdict()
        raw = match.group(0)
        if groups["ptxt"] or groups["pnum"] or groups["pday"]:
            day_text = groups["pd"] or groups["qd"] or groups["od"] or groups["fd"]
            month = MONTHS[groups["pm"].lower()] if groups["pm"] else (int(groups["qm"]) if groups["qm"] else None)
            partials.append((match, int(day_text or 0), month))
            continue
        clock: time | None = None
        utc_clock = False
        end = match.end()
        if groups["iso"]:
            day = _make_date(int(groups["iy"]), int(groups["im"]), int(groups["id"]), raw, problems)
            if groups["ih"] is not None:
                clock = _clock(groups["ih"], groups["imi"])
                tz = groups["itz"]
                if tz and day is not None and clock is not None:
                    offset = 0 if tz.upper() == "Z" else _offset_minutes(tz)
                    moment = datetime.combine(day, clock, tzinfo=UTC) - timedelta(minutes=offset)
                    if clock == time(0, 0) and offset == 0:
                        clock = None  # a date stored at midnight UTC: date only
                    else:
                        day, clock, utc_clock = moment.date(), moment.time(), True
                elif clock == time(0, 0) and (groups["isec"] is not None):
                    clock = None  # floating "T00:00:00": a date only (Socrata, Solr)
        elif groups["txt"]:
            day = _make_date(int(groups["ty"]), MONTHS[groups["tm"].lower()], int(groups["td"]), raw, problems)
        elif groups["eng"]:
            day = _make_date(int(groups["ey"]), MONTHS[groups["em"].lower()], int(groups["ed"]), raw, problems)
        else:
            if len(groups["ny"]) == 2 and groups["ns"] == ".":
                continue  # "1.2.26" is more often a paragraph or version number than a date
            day = _make_date(_year(groups["ny"]), int(groups["nm"]), int(groups["nd"]), raw, problems, day_first=True)
        if day is None:
            continue
        if clock is None and not groups["iso"]:
            clock, utc_clock, end_with_time = _time_after(text, end)
            if clock is not None:
                end = end_with_time
            else:
                clock, utc_clock = _time_before(text, match.start(), floor)
        role = _role(text, match.start(), floor)
        window = _WINDOW_WITHIN_DAY_RE.search(text[max(floor, match.start() - 90) : match.start()])
        if window:  # "dalle ore 12.00 alle ore 18.00 del giorno 10 dicembre": opens at 12.00
            clock = _clock(*re.findall(r"(\d{1,2})(?:[:.](\d{2}))?", window.group(0))[0])
        found.append(DateMention(match.start(), end, day, clock, role, text[match.start() : end].strip(), utc_clock))
        floor = end
    found.extend(_resolve_partials(text, partials, found, problems))
    found.sort(key=lambda m: m.start)
    return DateScan(found, problems)


def _offset_minutes(tz: str) -> int:
    sign = -1 if tz.startswith("-") else 1
    digits = tz[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))


def _resolve_partials(
    text: str, partials: list[tuple[re.Match[str], int, int | None]], full: list[DateMention], problems: list[str]
) -> list[DateMention]:
    """Give "dal 02/03" the month and year of the date that closes the range."""
    resolved: list[DateMention] = []
    for match, day_number, month in partials:
        following = [m for m in full if 0 <= m.start - match.end() <= 20]
        if not following:
            continue
        end_date = following[0].day
        month = month or end_date.month
        year = end_date.year if (month, day_number) <= (end_date.month, end_date.day) else end_date.year - 1
        day = _make_date(year, month, day_number, match.group(0), problems)
        if day is None:
            continue
        clock, utc_clock = _time_before(text, match.start(), 0)
        role = _role(text, match.start(), 0)
        if role is DateRole.UNKNOWN or role is DateRole.DEADLINE:
            role = DateRole.OPENING  # the first date of a range opens it
        resolved.append(DateMention(match.start(), match.end(), day, clock, role, match.group(0), utc_clock))
    return resolved


def parse_epoch_millis(value: str | int) -> datetime | None:
    """Epoch milliseconds (SEDIA's bulk file) as aware UTC; None when not a plausible number."""
    try:
        millis = int(str(value).strip())
    except ValueError:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


_EPOCH_RE = re.compile(r"^\s*-?\d{11,14}\s*$")


def parse_one(value: str, *, end_of_day: bool) -> tuple[datetime | None, list[str]]:
    """The single date in an isolated string (a structured field), as aware UTC.

    Epoch milliseconds are accepted. When the string holds several dates the last deadline-like
    one is taken for a deadline and the first one for an opening, with a warning.
    """
    if _EPOCH_RE.match(value):
        moment = parse_epoch_millis(value)
        if moment is None:
            return None, [f"'{value}' is not a usable epoch timestamp"]
        if moment.time() == time(0, 0):
            return to_utc(moment.date(), None, end_of_day=end_of_day), []
        return moment, []
    scan = find_dates(value)
    if not scan.mentions:
        return None, scan.problems or [f"no date found in '{_short(value)}'"]
    if len(scan.mentions) == 1:
        return scan.mentions[0].at(end_of_day=end_of_day), scan.problems
    mention = scan.mentions[-1] if end_of_day else scan.mentions[0]
    return mention.at(end_of_day=end_of_day), [
        *scan.problems,
        f"several dates in '{_short(value)}': used {mention.text!r}",
    ]


def plausibility_problem(moment: datetime, now: datetime) -> str | None:
    """Why a date cannot be trusted (a placeholder year, an empty epoch), or None when it can."""
    local = moment.astimezone(ROME).date()
    if local < EARLIEST_PLAUSIBLE:
        return f"{local.isoformat()} ignored: before {EARLIEST_PLAUSIBLE.year}, probably an empty or placeholder value"
    if local.year > now.astimezone(ROME).year + PLAUSIBLE_YEARS_AHEAD:
        return (
            f"{local.isoformat()} ignored: more than {PLAUSIBLE_YEARS_AHEAD} years ahead, "
            "probably the publisher's placeholder for 'no deadline'"
        )
    return None


def relabel(mentions: list[DateMention], role: DateRole) -> list[DateMention]:
    return [replace(m, role=role) for m in mentions]


def _short(value: str, limit: int = 80) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
