"""Euro amounts and percentages as publishers write them.

Numbers: Italian writes "1.500.000,00", English "1,500,000.00"; open data writes "1500000.0".
When a number has both separators the last one is the decimal mark. With one kind only, a dot
followed by exactly three digits groups thousands ("200.000 euro"); a comma followed by exactly
three digits groups thousands too ("EUR 1,500") unless a multiplier follows ("1,500 milioni" is
the Italian 1.5 million); otherwise the separator is a decimal mark ("2,5 Mln", "1500000.0").

In free text an amount needs a currency ("€", "euro", "EUR") next to it or after a multiplier
("1,5 milioni di euro"), so years, article numbers and phone numbers are not read as money. In a
field labelled as an amount by the spider a bare number is accepted.

Roles come from the words around the amount: "dotazione", "stanziamento", "budget" give the
budget of the call; "fino a", "massimo", "up to" the maximum grant; "minimo", "almeno" the
minimum; "tra X e Y" / "between X and Y" / "da X a Y" both.

Co-financing convention: ``FundingCall.cofinancing_rate`` is the share of the eligible cost the
APPLICANT must cover with its own money (0.2 = 20 % own funds). It is what a comune must find in
its budget, and what ``Project.cofinancing_available`` is compared with. A percentage that states
the share the funder pays ("contributo fino all'80% delle spese", EU "funding rate 80%", "ERDF
co-financing rate 80%") is converted: cofinancing_rate = 1 - 0.8 = 0.2. Italian "cofinanziamento
del 30%" is the applicant's share (0.3) unless it names the funder ("cofinanziamento FESR dell'80%").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

_CURRENCY = r"(?:€|\beur\b|\beuro\b|\beuros\b)"
_NUMBER = r"\d{1,3}(?:(?:[.’']|\s(?=\d{3}\b))\d{3})+(?:,\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"
_MULTIPLIER = (
    r"(?:miliardi|miliardo|mld\.?|mrd\.?|billion|billions|bn|milioni|milione|mln\.?|mio\.?|million|millions|mil\.?"
    r"|mila|thousand|k)\b"
)
_MULTIPLIERS: tuple[tuple[re.Pattern[str], Decimal], ...] = (
    (re.compile(r"^(?:miliard|mld|mrd|billion|bn)", re.IGNORECASE), Decimal(1_000_000_000)),
    (re.compile(r"^(?:milion|mln|mio|million|mil\b|mil\.)", re.IGNORECASE), Decimal(1_000_000)),
    (re.compile(r"^(?:mila|thousand|k)", re.IGNORECASE), Decimal(1_000)),
)

_MONEY_RE = re.compile(
    rf"(?P<pre>{_CURRENCY}\s*)?(?P<num>{_NUMBER})(?:\s*(?P<mult>{_MULTIPLIER}))?(?:\s*(?:di\s+|d['’]\s*|of\s+)?(?P<post>{_CURRENCY}))?",
    re.IGNORECASE,
)
_RANGE_RE = re.compile(
    rf"\b(?:tra|fra|between|da|dai|from)\s+(?P<a>{_CURRENCY}?\s*(?:{_NUMBER})(?:\s*{_MULTIPLIER})?(?:\s*{_CURRENCY})?)"
    rf"\s+(?:e|ed|and|a|ai|to)\s+(?P<b>{_CURRENCY}?\s*(?:{_NUMBER})(?:\s*{_MULTIPLIER})?(?:\s*(?:di\s+)?{_CURRENCY})?)"
    rf"|(?P<c>{_CURRENCY}?\s*(?:{_NUMBER})(?:\s*{_MULTIPLIER})?)\s*[-–—]\s*(?P<d>{_CURRENCY}?\s*(?:{_NUMBER})(?:\s*{_MULTIPLIER})?(?:\s*(?:di\s+)?{_CURRENCY})?)",
    re.IGNORECASE,
)
_PERCENT_RE = re.compile(
    r"(?P<num>\d{1,3}(?:[.,]\d{1,2})?)\s*(?:%|per\s*cento\b|percent\b|per\s+cent\b)", re.IGNORECASE
)


class AmountRole(StrEnum):
    BUDGET = "budget"
    GRANT_MAX = "grant_max"
    GRANT_MIN = "grant_min"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Amount:
    start: int
    end: int
    value: Decimal
    role: AmountRole
    text: str
    has_currency: bool


_LEFT_CUES: tuple[tuple[AmountRole, re.Pattern[str]], ...] = (
    (
        AmountRole.GRANT_MAX,
        re.compile(
            r"\b(?:fino\s+a(?:d|l)?|massim\w*|max\.?|non\s+(?:(?:potr\w+|pu[oò]|dev\w+|possono)\s+)?(?:essere\s+)?superior\w*\s+a\w*"
            r"|non\s+potr\w+\s+superare|tetto|limite"
            r"|up\s+to|maximum|not\s+exceed\w*|at\s+most|contributo\s+(?:concedibile|massimo))\b",
            re.IGNORECASE,
        ),
    ),
    (
        AmountRole.GRANT_MIN,
        re.compile(
            r"\b(?:minim\w*|min\.?|almeno|(?:non|n[eé])\s+(?:(?:potr\w+|pu[oò]|dev\w+|possono)\s+)?(?:essere\s+)?inferior\w*\s+a\w*"
            r"|at\s+least|minimum|not\s+less\s+than)\b",
            re.IGNORECASE,
        ),
    ),
    (
        AmountRole.BUDGET,
        re.compile(
            r"\b(?:dotazion\w*|stanziament\w*|stanziat\w*|risorse|budget|complessiv\w*|totale|plafond|fondo|fondi"
            r"|allocat\w*|available|overall|total|importo\s+(?:stanziato|complessivo)|disponibil\w*)\b",
            re.IGNORECASE,
        ),
    ),
)
_RIGHT_BUDGET = re.compile(
    r"^\s*(?:\)|,)?\s*(?:complessiv\w*|destinat\w*|stanziat\w*|disponibil\w*|di\s+dotazione|in\s+total)", re.IGNORECASE
)
_RIGHT_PER_PROJECT = re.compile(
    r"^\s*(?:\)|,)?\s*(?:per\s+(?:ciascun[oa]?\s+|ogni\s+|singol[oa]\s+)?(?:progetto|intervento|beneficiario|comune|ente|domanda|proposta|soggetto|iniziativa)"
    r"|per\s+(?:project|proposal|grant|applicant|beneficiary)|each)",
    re.IGNORECASE,
)


def parse_number(text: str, *, has_multiplier: bool = False) -> Decimal | None:
    """A number written the Italian, English or open-data way; None when it is not one."""
    digits = re.sub(r"[\s’'\u00a0\u202f]", "", text)
    if not digits or not re.fullmatch(r"[\d.,]+", digits) or not re.search(r"\d", digits):
        return None
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        decimal_mark = "." if digits.rfind(".") > digits.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        digits = digits.replace(thousands, "").replace(decimal_mark, ".")
    elif dots:
        tail = digits.rsplit(".", 1)[1]
        digits = digits.replace(".", "") if dots > 1 or len(tail) == 3 else digits
    elif commas:
        tail = digits.rsplit(",", 1)[1]
        if commas > 1 or (len(tail) == 3 and not has_multiplier):
            digits = digits.replace(",", "")
        else:
            digits = digits.replace(",", ".")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _multiplier(word: str | None) -> Decimal:
    if not word:
        return Decimal(1)
    for pattern, factor in _MULTIPLIERS:
        if pattern.match(word):
            return factor
    return Decimal(1)


def _money_value(match: re.Match[str]) -> Decimal | None:
    number = parse_number(match.group("num"), has_multiplier=bool(match.group("mult")))
    if number is None:
        return None
    return (number * _multiplier(match.group("mult"))).quantize(Decimal("0.01"))


def parse_money(text: str) -> Decimal | None:
    """The single amount in a string that is only an amount ("€ 1.500.000,00", "2,5 Mln", "1500000.0")."""
    match = _MONEY_RE.search(text)
    if not match or not re.search(r"\d", match.group("num")):
        return None
    return _money_value(match)


def _left_role(left: str) -> AmountRole:
    best: tuple[int, AmountRole] | None = None
    for role, pattern in _LEFT_CUES:
        for cue in pattern.finditer(left):
            if best is None or cue.end() > best[0]:
                best = (cue.end(), role)
    return best[1] if best else AmountRole.UNKNOWN


def find_amounts(text: str, *, require_currency: bool = True) -> list[Amount]:
    """Every euro amount in ``text`` with its role from the surrounding words."""
    found: list[Amount] = []
    taken: list[tuple[int, int]] = []
    for match in _RANGE_RE.finditer(text):
        first, second = (
            (match.group("a"), match.group("b")) if match.group("a") else (match.group("c"), match.group("d"))
        )
        low, high = _range_values(first, second)
        if low is None or high is None or low >= high:
            continue
        has_currency = bool(re.search(_CURRENCY, match.group(0), re.IGNORECASE))
        if require_currency and not has_currency:
            continue
        found.append(Amount(match.start(), match.end(), low, AmountRole.GRANT_MIN, match.group(0), has_currency))
        found.append(Amount(match.start(), match.end(), high, AmountRole.GRANT_MAX, match.group(0), has_currency))
        taken.append((match.start(), match.end()))
    for match in _MONEY_RE.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        has_currency = bool(match.group("pre") or match.group("post"))
        if require_currency and not has_currency:
            continue
        if _is_not_money(text, match):
            continue
        value = _money_value(match)
        if value is None:
            continue
        left = _clause_before(text, match.start())
        role = _left_role(left)
        right = text[match.end() : match.end() + 40]
        if _RIGHT_PER_PROJECT.match(right):
            role = AmountRole.GRANT_MAX if role in (AmountRole.UNKNOWN, AmountRole.BUDGET) else role
        elif role is AmountRole.UNKNOWN and _RIGHT_BUDGET.match(right):
            role = AmountRole.BUDGET
        found.append(Amount(match.start(), match.end(), value, role, match.group(0).strip(), has_currency))
    found.sort(key=lambda a: (a.start, a.role))
    return found


def _is_not_money(text: str, match: re.Match[str]) -> bool:
    # "Regolamento (UE) n. 651/2014", "art. 5": a number glued to a slash or preceded by n./art. is a reference.
    before = text[max(0, match.start() - 6) : match.start()].lower()
    after = text[match.end() : match.end() + 1]
    return after == "/" or bool(re.search(r"(?:\bn\.|\bart\.|\bnr\.|/)\s*$", before))


def _range_values(first: str, second: str) -> tuple[Decimal | None, Decimal | None]:
    second_match = _MONEY_RE.search(second)
    first_match = _MONEY_RE.search(first)
    if not first_match or not second_match:
        return None, None
    high = _money_value(second_match)
    low_number = parse_number(first_match.group("num"), has_multiplier=bool(first_match.group("mult")))
    if low_number is None or high is None:
        return None, None
    # "tra 1 e 2 milioni di euro": the multiplier written once applies to both ends.
    factor = _multiplier(first_match.group("mult") or second_match.group("mult"))
    return (low_number * factor).quantize(Decimal("0.01")), high


def _clause_before(text: str, start: int) -> str:
    left = text[max(0, start - 80) : start]
    boundaries = list(re.finditer(r"[.!?]\s+(?=[A-ZÀ-Ý])|[;\n]", left))
    return left[boundaries[-1].end() :] if boundaries else left


# ------------------------------------------------------------------ percentages

_OWN_SHARE = re.compile(
    r"\b(?:co-?finanziament\w*|quota\s+(?:di\s+)?(?:co-?finanziamento|a\s+carico)|a\s+carico\s+del\w*|risorse\s+proprie"
    r"|fondi\s+propri|own\s+(?:contribution|resources|funds)|apporto|compartecipazion\w*|quota\s+di\s+partecipazione"
    r"|self-financ\w*|match(?:ing)?\s+fund\w*)\b",
    re.IGNORECASE,
)
_FUNDED_SHARE = re.compile(
    r"\b(?:contribut\w*|finanzia\w*|copr\w+|copertura|fondo\s+perduto|intensit\w*|agevolazion\w*|sovvenzion\w*"
    r"|funding\s+rate|co-?financing\s+rate|cofinancing\s+rate|reimbursement\s+rate|eu\s+contribution|grant\s+(?:covers|of)"
    r"|up\s+to|fino\s+al\w*|massimo\s+del\w*|erdf|fesr|covers?|funded|finanziabil\w*)\b",
    re.IGNORECASE,
)
_FUNDER_NAMED = re.compile(
    r"^\W{0,3}(?:\w+\W+){0,2}(?:fesr|fse\+?|ue|europe\w*|regional\w*|statal\w*|della\s+regione|erdf|eu)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CofinancingReading:
    """A co-financing rate read from text (applicant's share, 0..1) and how it was read."""

    rate: float
    text: str
    note: str


def find_cofinancing(text: str, *, default_funded_share: bool | None = None) -> CofinancingReading | None:
    """The applicant's own share of the cost, from the first percentage with telling words.

    A percentage with no telling words is used only when ``default_funded_share`` says how the
    source states it (True: the funder's share, False: the applicant's share); otherwise ignored.
    """
    for match in _PERCENT_RE.finditer(text):
        percent = parse_number(match.group("num"))
        if percent is None or not (0 < percent <= 100):
            continue
        share = float(percent) / 100
        left = _clause_before(text, match.start())[-70:]
        right = text[match.end() : match.end() + 60]
        own = list(_OWN_SHARE.finditer(left))
        funded = list(_FUNDED_SHARE.finditer(left))
        if own and (not funded or own[-1].end() >= funded[-1].end()):
            if _FUNDER_NAMED.match(left[own[-1].end() :]):
                return CofinancingReading(
                    round(1 - share, 4), match.group(0), f"'{_phrase(left, match)}' states the funder's share"
                )
            return CofinancingReading(
                round(share, 4), match.group(0), f"'{_phrase(left, match)}' states the applicant's share"
            )
        if funded:
            return CofinancingReading(
                round(1 - share, 4), match.group(0), f"'{_phrase(left, match)}' states the funder's share"
            )
        if _OWN_SHARE.search(right[:40]):
            return CofinancingReading(round(share, 4), match.group(0), "the words after it state the applicant's share")
        if default_funded_share is not None:
            rate = 1 - share if default_funded_share else share
            side = "the funder's" if default_funded_share else "the applicant's"
            return CofinancingReading(
                round(rate, 4), match.group(0), f"'{match.group(0)}' read as {side} share (the source's usual wording)"
            )
    return None


def _phrase(left: str, match: re.Match[str]) -> str:
    return " ".join((left[-40:] + match.group(0)).split())
