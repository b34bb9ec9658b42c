"""Templates and display helpers: Italian dates and amounts, labels, sanitised publisher HTML."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from cercabandi.core.changes import FIELD_LABELS
from cercabandi.core.comuni import all_comuni
from cercabandi.core.fmt_it import (
    MISSING,
    comuni_list,
    countdown,
    days_until,
    euro,
    long_date,
    percent,
    short_date,
)
from cercabandi.core.safe_html import clean_html
from cercabandi.core.vocab import Level, TerritoryScope, label_it

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

GATE_LABELS = {
    "status": "Stato del bando",
    "applicant": "Soggetto ammissibile",
    "territory": "Territorio",
    "budget": "Importo",
}


# LABELS_IT is keyed by value and "eu" is both a Level and a TerritoryScope: levels get their own map.
LEVEL_LABELS = {
    Level.EU.value: "Europeo",
    Level.NATIONAL.value: "Nazionale",
    Level.REGIONAL.value: "Regionale",
    Level.LOCAL.value: "Locale",
    Level.FOUNDATION.value: "Fondazione",
}


def level_label(value: str | None) -> str:
    return LEVEL_LABELS.get(value or "", value or "—")


def sanitize_html(html: str | None) -> Markup:
    """Publisher HTML made harmless again before display: what is stored is still untrusted."""
    if not html:
        return Markup("")
    return Markup(clean_html(html))  # the output of the one sanitiser policy


def text_paragraphs(text: str | None) -> Markup:
    if not text:
        return Markup("")
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(p) for p in paragraphs)


class Formatter:
    """Display helpers bound to the office's timezone; the wording is ``core.fmt_it``'s, as in the digests."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def local(self, value: datetime) -> datetime:
        return value.astimezone(self.tz)

    def as_date(self, value: datetime | date | str | None) -> str:
        parsed = _as_datetime(value)
        return MISSING if parsed is None else short_date(parsed, self.tz, with_year=True)

    def as_long_date(self, value: datetime | date | str | None) -> str:
        parsed = _as_datetime(value)
        return MISSING if parsed is None else long_date(parsed, self.tz, with_time=False)

    def as_datetime(self, value: datetime | date | str | None) -> str:
        parsed = _as_datetime(value)
        if parsed is None:
            return MISSING
        if not isinstance(parsed, datetime):
            return self.as_date(parsed)
        return self.local(parsed).strftime("%d/%m/%Y ore %H:%M")

    def days_left(self, value: datetime | str | None, now: datetime) -> int | None:
        parsed = _as_datetime(value)
        if not isinstance(parsed, datetime):
            return None
        return days_until(parsed, now, self.tz)

    def countdown(self, value: datetime | str | None, now: datetime) -> str:
        days = self.days_left(value, now)
        return "senza scadenza" if days is None else countdown(days)

    def diff_value(self, field: str, value: Any) -> str:
        """A version-history value in words."""
        if value is None or value == [] or value == "":
            return MISSING
        if field == "deadlines" and isinstance(value, list):
            parts = []
            for item in value:
                if isinstance(item, dict):
                    text = self.as_datetime(item.get("at"))
                    if item.get("label"):
                        text += f" ({item['label']})"
                    parts.append(text)
            return ", ".join(parts) or MISSING
        if field == "opening_date":
            return self.as_datetime(value)
        if field in ("budget_total", "grant_min", "grant_max"):
            return euro(value)
        if field == "cofinancing_rate":
            return percent(value)
        if field == "applicant_types" and isinstance(value, list):
            return ", ".join(label_it(str(v)) for v in value)
        if field == "level":
            return level_label(str(value))
        if isinstance(value, bool):
            return "sì" if value else "no"
        if field == "territory" and isinstance(value, dict):
            text = label_it(str(value.get("scope", "")), TerritoryScope)
            if value.get("comuni"):
                text += ": " + ", ".join(value["comuni"])
            return text
        if field == "attachments" and isinstance(value, list):
            return f"{len(value)} allegati"
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 300 else text[:300] + "…"


def _as_datetime(value: Any) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def make_templates(tz: ZoneInfo) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    fmt = Formatter(tz)
    env = templates.env
    env.filters.update(
        {
            "date_it": fmt.as_date,
            "long_date": fmt.as_long_date,
            "datetime_it": fmt.as_datetime,
            "money": euro,
            "percent": percent,
            "label": label_it,
            "level_label": level_label,
            "sanitize": sanitize_html,
            "paragraphs": text_paragraphs,
            "gate_label": lambda gate: GATE_LABELS.get(gate, gate),
            "field_label": lambda name: FIELD_LABELS.get(name, name),
            # "tutti i 133 comuni" or the first few and how many more, as in the digests
            "comuni_list": lambda comuni: comuni_list([c.name for c in comuni], everyone=len(all_comuni())),
        }
    )
    env.globals.update({"fmt": fmt, "escape": escape})
    return templates
