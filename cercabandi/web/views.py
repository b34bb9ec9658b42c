"""What a page shows of a call or a match, read defensively from the stored rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from cercabandi.core.vocab import FUNDING_INSTRUMENTS, CallStatus, Instrument, label_it
from cercabandi.db.models import Call, MatchRow
from cercabandi.db.repo.status import sql_status
from cercabandi.web.render import GATE_LABELS


def _dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


@dataclass
class CallView:
    """The facts of a call as the pages show them (``data`` is the stored FundingCall dump)."""

    call: Call
    status: CallStatus

    @property
    def data(self) -> dict[str, Any]:
        return self.call.data or {}

    @property
    def id(self) -> str:
        return self.call.id

    @property
    def title(self) -> str:
        return self.call.title

    @property
    def not_funding(self) -> str | None:
        """The label of a call that is not funding (a tender, a list...): never offered to projects, marked."""
        try:
            instrument = Instrument(str(self.data.get("instrument") or Instrument.GRANT))
        except ValueError:
            return None
        return None if instrument in FUNDING_INSTRUMENTS else label_it(instrument)

    @property
    def url(self) -> str | None:
        url = self.data.get("url")
        return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None

    @property
    def deadlines(self) -> list[tuple[datetime, str | None]]:
        result = []
        for item in self.data.get("deadlines") or []:
            at = _dt(item.get("at")) if isinstance(item, dict) else None
            if at is not None:
                result.append((at, item.get("label")))
        if not result and self.call.deadline_at is not None:
            result.append((self.call.deadline_at, None))
        return sorted(result, key=lambda d: d[0])

    def next_deadline(self, now: datetime) -> datetime | None:
        for at, _label in self.deadlines:
            if at >= now:
                return at
        return None

    @property
    def applicants(self) -> list[str]:
        return [label_it(str(a)) for a in (self.call.applicant_types or [])]

    @property
    def applicants_text(self) -> str | None:
        return self.data.get("applicants_text")

    @property
    def budget_total(self) -> Decimal | None:
        return self.call.budget_total if self.call.budget_total is not None else _decimal(self.data.get("budget_total"))

    @property
    def grant_min(self) -> Decimal | None:
        return _decimal(self.data.get("grant_min"))

    @property
    def grant_max(self) -> Decimal | None:
        return _decimal(self.data.get("grant_max"))

    @property
    def cofinancing_rate(self) -> float | None:
        value = self.data.get("cofinancing_rate")
        return float(value) if isinstance(value, int | float) else None

    @property
    def summary(self) -> str | None:
        return self.data.get("summary")

    @property
    def body_html(self) -> str | None:
        return self.data.get("body_html")

    @property
    def body_text(self) -> str:
        return str(self.data.get("body_text") or "")

    @property
    def territory(self) -> str:
        territory = self.data.get("territory") or {}
        if not isinstance(territory, dict):
            return "—"
        text = label_it(str(territory.get("scope", ""))) or "—"
        detail = str(territory.get("text") or "").strip()
        if detail and detail.casefold() not in text.casefold():  # never "Lombardia (Lombardia)"
            text += f" ({detail})"
        return text

    @property
    def instrument(self) -> str:
        return label_it(str(self.data.get("instrument") or "grant"))

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return [
            a
            for a in self.data.get("attachments") or []
            if isinstance(a, dict) and str(a.get("url", "")).startswith(("http://", "https://"))
        ]

    @property
    def warnings(self) -> list[tuple[str, str]]:
        """The normaliser's notes (English, for developers) worded for the office: (Italian, original)."""
        return [(warning_it(str(w)), str(w)) for w in self.data.get("warnings") or []]


# The normaliser notes what it could not read with certainty in English (logs, run reports);
# the pages say it in Italian. Unknown notes get a general sentence, the original on hover.
WARNINGS_IT: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^cascade call"),
        "Bando «a cascata»: piccoli contributi gestiti da un progetto finanziato dall'UE, con regole proprie.",
    ),
    (
        re.compile(r"^several (\w+) amounts stated \(([^)]*)\): used (.+)$"),
        "Il bando indica più importi: si usa il primo.",
    ),
    (
        re.compile(r"^a DAIT communication"),
        "È una comunicazione del Dipartimento, non un decreto: leggila come notizia.",
    ),
    (re.compile(r"^no usable deadline"), "Nessuna scadenza utilizzabile: trattato come aperto fino a chiusura."),
    (re.compile(r"^(deadline|opening date) "), "Una data del bando non è plausibile ed è stata ignorata."),
    (re.compile(r"(minimum|maximum) grant"), "Gli importi del contributo non sono coerenti: verificali sul bando."),
    (
        re.compile(r"no (date|amount|percentage) I can read"),
        "Un dato del bando non è stato letto: verificalo sul bando.",
    ),
)
WARNING_FALLBACK = "Un'informazione del bando non è stata letta con certezza: verificala sulla pagina del bando."


def warning_it(text: str) -> str:
    for pattern, italian in WARNINGS_IT:
        if pattern.search(text):
            return italian
    return WARNING_FALLBACK


def call_view(call: Call, now: datetime) -> CallView:
    return CallView(call=call, status=sql_status(call, now))


@dataclass
class Reason:
    """One line of a match explanation in Italian."""

    kind: str  # gate_ok | gate_fail | gate_unknown | unknown
    text: str
    detail: str = ""  # the matcher's own wording (English), shown on hover


UNKNOWN_IT = (
    ("proponent", "Tipo di proponente del progetto non noto"),
    ("estimated cost", "Costo stimato del progetto non noto"),
    ("comune not stated", "Comune del progetto non indicato"),
    ("applicant", "Soggetti ammessi non indicati dal bando"),
    ("territor", "Territorio non indicato dal bando"),
    ("grant", "Importi del contributo non indicati"),
    ("budget", "Importi del contributo non indicati"),
    ("deadline", "Scadenza non indicata"),
)

# The matcher explains its gates in English (for logs); pages say it in Italian.
GATE_IT: dict[tuple[str, bool], tuple[tuple[str, str], ...]] = {
    ("status", True): (("forthcoming", "Bando in apertura"), ("", "Bando aperto")),
    ("status", False): (("", "Bando chiuso"),),
    ("instrument", True): (("", "È un finanziamento (contributo, prestito o premio)"),),
    ("instrument", False): (("", "Non è un finanziamento (gara, elenco, sponsor o selezione di personale)"),),
    ("applicant", True): (("", "Il proponente è tra i soggetti ammessi"),),
    ("applicant", False): (("", "Il proponente non è tra i soggetti ammessi"),),
    ("territory", True): (("", "Il territorio del bando comprende il comune"),),
    ("territory", False): (("", "Il territorio del bando non comprende il comune"),),
    ("budget", True): (("", "Costo del progetto compatibile con il contributo"),),
    ("budget", False): (
        ("below", "Costo del progetto sotto il contributo minimo"),
        ("above", "Costo del progetto oltre il contributo massimo"),
        ("", "Costo del progetto fuori dai limiti del contributo"),
    ),
}


def unknown_it(text: str) -> str:
    lowered = text.lower()
    for key, italian in UNKNOWN_IT:
        if key in lowered:
            return italian
    return text


def gate_it(gate: str, passed: bool | None, reason: str) -> str:
    if passed is None:
        return unknown_it(reason) if reason else f"{GATE_LABELS.get(gate, gate)}: non noto"
    for key, italian in GATE_IT.get((gate, passed), ()):
        if key in reason.lower():
            return italian
    return f"{GATE_LABELS.get(gate, gate)}: {'verificato' if passed else 'non soddisfatto'}"


def match_reasons(match: MatchRow) -> tuple[list[tuple[str, float]], list[Reason]]:
    """The terms that weighed most, and the gates / unknowns in words (each said once)."""
    explanation = match.explanation or {}
    terms = []
    for term in explanation.get("terms") or []:
        if isinstance(term, dict) and term.get("term"):
            terms.append((str(term["term"]), float(term.get("weight") or 0)))
        elif isinstance(term, str):
            terms.append((term, 0.0))
    reasons: list[Reason] = []
    said: set[str] = set()
    for gate in explanation.get("gates") or []:
        if not isinstance(gate, dict):
            continue
        passed = gate.get("passed")
        kind = "gate_ok" if passed is True else "gate_fail" if passed is False else "gate_unknown"
        reason = str(gate.get("reason") or "")
        text = gate_it(str(gate.get("gate")), passed if isinstance(passed, bool) else None, reason)
        reasons.append(Reason(kind, text, reason))
        said.update({reason, text})
    for unknown in explanation.get("unknowns") or []:
        text = unknown_it(str(unknown))
        if str(unknown) in said or text in said:
            continue  # the matcher repeats an unknown gate's reason among its unknowns
        said.add(text)
        reasons.append(Reason("unknown", text, str(unknown)))
    return terms[:8], reasons
