"""Cell values people write in a catalogue: amounts, stages, proponent types, themes, lists.

Each parser takes what was written and returns the canonical value, or raises
``ValueError`` with a message saying what was expected.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from cercabandi.core.folding import fold_words
from cercabandi.core.vocab import LABELS_IT, ApplicantType, ProjectStage


def cell_text(value: object) -> str:
    """A cell as text: whole floats without '.0', dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sì" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# ---------------------------------------------------------------------- amounts

_MULTIPLIERS: tuple[tuple[str, int], ...] = (
    (r"mld|miliard[oi]|bn", 1_000_000_000),
    (r"mln|milion[ei]|mio|mil|m", 1_000_000),
    (r"mila|migliaia|k", 1_000),
)
_AMOUNT_RE = re.compile(r"^(?P<sign>[-+−])?\s*(?P<number>\d[\d.,' ]*)\s*(?P<unit>[a-z]*)\.?$")
CENT = Decimal("0.01")


def parse_amount(value: object) -> Decimal | None:
    """Euro amount as written: "1.200.000,00", "€ 1,2 mln", "1.2 mln", "1,5 milioni", 1200000.

    None for an empty cell. Raises ValueError for text that is not one amount
    (ranges, words) and for negative amounts.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount in euro")
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
        return _checked(amount, str(value))
    written = str(value).strip()
    if not written or written in {"-", "—", "n.d.", "nd", "n/a"}:
        return None
    text = written.lower().replace("\u00a0", " ").replace("\u202f", " ")
    text = re.sub(r"€|\beur(?:o)?\b|\bcirca\b|\bca\.|\btot(?:ale)?\b\.?|:", " ", text)
    text = " ".join(text.split())
    if re.search(r"\d\s*(?:-|–|/|÷|\ba\b)\s*\d", text) and not re.fullmatch(r"[\d.,' ]+", text):
        raise ValueError(f"{written!r} looks like a range: give one figure (the estimated total cost)")
    match = _AMOUNT_RE.match(text)
    if not match:
        raise ValueError(f"{written!r} is not an amount in euro: write it like 1.200.000,00 or 1,2 mln")
    unit = match.group("unit")
    multiplier = 1
    if unit:
        for pattern, factor in _MULTIPLIERS:
            if re.fullmatch(pattern, unit):
                multiplier = factor
                break
        else:
            raise ValueError(f"{written!r}: unknown unit {unit!r}; use euro, 'mila' or 'mln'")
    number = _number(match.group("number").replace(" ", "").replace("'", ""), scaled=multiplier > 1)
    amount = number * multiplier
    if match.group("sign") in ("-", "−"):
        amount = -amount
    return _checked(amount, written)


def _number(digits: str, *, scaled: bool) -> Decimal:
    """Decide which of '.' and ',' is the decimal separator."""
    if "." in digits and "," in digits:
        decimal_sep = "." if digits.rfind(".") > digits.rfind(",") else ","
        thousands = "," if decimal_sep == "." else "."
        digits = digits.replace(thousands, "").replace(decimal_sep, ".")
    elif "," in digits:
        # Italian decimal comma ("1,5 milioni", "1200,50"); several commas are thousands.
        digits = digits.replace(",", "") if digits.count(",") > 1 else digits.replace(",", ".")
    elif "." in digits:
        groups = digits.split(".")
        # "1.200.000" and "1.200" are thousands; "1.2 mln" and "94425.6" are decimals.
        if len(groups) > 2 or (not scaled and len(groups[1]) == 3):
            digits = digits.replace(".", "")
    try:
        return Decimal(digits)
    except InvalidOperation as exc:
        raise ValueError(f"{digits!r} is not a number") from exc


def _checked(amount: Decimal, written: str) -> Decimal:
    if amount < 0:
        raise ValueError(f"{written!r} is negative: a cost must be zero or more")
    if amount >= Decimal("1e16"):
        raise ValueError(f"{written!r} is implausibly large for a project cost")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------- stages

_STAGE_WORDS: tuple[tuple[ProjectStage, tuple[str, ...]], ...] = (
    (ProjectStage.COMPLETED, ("concluso", "conclusa", "completato", "completata", "terminato", "collaudato", "chiuso")),
    (
        ProjectStage.UNDER_WAY,
        ("in corso", "avviato", "in esecuzione", "in realizzazione", "lavori in corso", "in attuazione", "cantiere"),
    ),
    (ProjectStage.EXECUTIVE_DESIGN, ("esecutivo", "progetto esecutivo", "cantierabile")),
    (ProjectStage.FINAL_DESIGN, ("definitivo", "progetto definitivo")),
    (
        ProjectStage.FEASIBILITY,
        ("fattibilita", "pfte", "studio di fattibilita", "preliminare", "progetto preliminare", "fattibilita tecnica"),
    ),
    (ProjectStage.IDEA, ("idea", "idea progettuale", "proposta", "ideazione", "concept", "in definizione")),
)


def parse_stage(value: str) -> ProjectStage | None:
    """ "Progetto esecutivo", "PFTE", "in corso", "executive_design" -> the stage; '' -> None."""
    key = fold_words(value)
    if not key:
        return None
    for stage in ProjectStage:
        if key in (stage.value.replace("_", " "), fold_words(LABELS_IT[stage])):
            return stage
    for stage, words in _STAGE_WORDS:
        if key in words:
            return stage
    for stage, words in _STAGE_WORDS:
        if any(re.search(rf"\b{re.escape(w)}\b", key) for w in words):
            return stage
    accepted = ", ".join(LABELS_IT[s] for s in ProjectStage)
    raise ValueError(f"stage {value!r} not understood: use one of {accepted}")


# -------------------------------------------------------------- proponent types

_PROPONENT_RULES: tuple[tuple[ApplicantType, str], ...] = (
    (ApplicantType.UNIONE_COMUNI, r"\bunione (?:dei |di )?comuni\b"),
    (ApplicantType.COMUNE, r"^comune\b|^(?:il )?comune di\b|\bcomuni\b$"),
    (ApplicantType.CITTA_METROPOLITANA, r"\bcitta metropolitana\b|^provincia\b"),
    (
        ApplicantType.SCHOOL,
        r"\bistit\w* (?:comp\w*|tecnic\w*|di istruzione|professional\w*|superiore|statale|d istruzione)"
        r"|\bscuol\w*|\bliceo\b|\bcpia\b|\bi ?c\b|\biis\b|\biti\w*\b|\bipsia?\b|\bitc\w*\b|\bconvitto\b"
        r"|\bcircolo didattico\b|\bdirezione didattica\b|\bicm\b|\bistituto omnicomprensivo\b",
    ),
    (
        ApplicantType.HEALTH_AUTHORITY,
        r"\basst\b|\bats\b|\bareu\b|\bazienda (?:socio )?sanitaria\b|\bazienda ospedaliera\b|\birccs\b"
        r"|\bospedal\w*|\btutela della salute\b|\bpoliclinico\b|\bazienda sanitaria\b",
    ),
    (
        ApplicantType.UNIVERSITY_RESEARCH,
        r"\buniversit\w*|\bpolitecnico\b|\bconsiglio nazionale delle ricerche\b|\bcnr\b|\bricerca\b"
        r"|\bcentro nazionale\b|\binfn\b|\bistituto nazionale di\b|\binaf\b|\bingv\b|\bbicocca\b",
    ),
    (
        ApplicantType.THIRD_SECTOR,
        r"\bcoop\w* social\w*|\bcoop soc\b|\baps\b|\bodv\b|\bonlus\b|\bets\b|\bassociazion\w*|\bfondazion\w*"
        r"|\bterzo settore\b|\bimpresa sociale\b|\bparrocchi\w*|\bcaritas\b",
    ),
    (
        ApplicantType.OTHER_PUBLIC,
        r"\bregione\b|\bministero\b|\bdipartimento\b|\bagenzia\b|\baler\b|\bconsorzio\b|\bparco\b"
        r"|\bcamera di commercio\b|\bautorita\b|\bente\b|\bpresidenza del consiglio\b|\bmimit\b|\bmur\b|\bmic\b",
    ),
    (
        ApplicantType.BUSINESS,
        r"\bs ?p ?a\b|\bs ?r ?l\b|\bs ?c ?a ?r ?l\b|\bsocieta\b|\bsoc\b|\bsnc\b|\bsas\b|\bimpres\w*|\bspa\b|\bsrl\b",
    ),
    (ApplicantType.CITIZEN, r"\bcittadin\w*|\bprivat[oi]\b"),
)
_TYPE_WORDS: dict[str, ApplicantType] = {
    "terzo settore": ApplicantType.THIRD_SECTOR,
    "non profit": ApplicantType.THIRD_SECTOR,
    "ente pubblico": ApplicantType.OTHER_PUBLIC,
    "altro ente pubblico": ApplicantType.OTHER_PUBLIC,
    "azienda sanitaria": ApplicantType.HEALTH_AUTHORITY,
    "universita": ApplicantType.UNIVERSITY_RESEARCH,
    "impresa": ApplicantType.BUSINESS,
    "scuola": ApplicantType.SCHOOL,
}


def proponent_type_from_name(name: str) -> ApplicantType | None:
    """The kind of body a name suggests ("Comune di Rho" -> comune, "ASST Rhodense" -> health)."""
    key = fold_words(name)
    if not key:
        return None
    for kind, pattern in _PROPONENT_RULES:
        if re.search(pattern, key):
            return kind
    return None


def parse_proponent_type(value: str) -> ApplicantType | None:
    """A "Tipo proponente" cell: a vocabulary slug, its Italian label or a common wording."""
    key = fold_words(value)
    if not key:
        return None
    for kind in ApplicantType:
        if key in (kind.value.replace("_", " "), fold_words(LABELS_IT[kind])):
            return kind
    if key in _TYPE_WORDS:
        return _TYPE_WORDS[key]
    guessed = proponent_type_from_name(value)
    if guessed is None:
        accepted = ", ".join(LABELS_IT[k] for k in ApplicantType)
        raise ValueError(f"proponent type {value!r} not understood: use one of {accepted}")
    return guessed


# ----------------------------------------------------------------------- lists


def split_list(value: str) -> list[str]:
    """Items of a cell separated by ';', '|' or new lines (commas stay: "Rossi, Bianchi & C.")."""
    items = re.split(r"\s*[;|\n]\s*", value)
    seen: dict[str, None] = {}
    for item in items:
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return list(seen)


_MOJIBAKE_RE = re.compile(r"Ã[\u0080-\u00bf ]|â€[\u0080-\u00bf™œ“”˜]|Â[\u00a0-\u00bf]")


def garbled_text(value: str) -> str | None:
    """If ``value`` looks like UTF-8 read as Windows-1252 ("CittÃ "), what was meant."""
    if not _MOJIBAKE_RE.search(value):
        return None
    for codec in ("cp1252", "latin-1"):
        try:
            return value.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return value
