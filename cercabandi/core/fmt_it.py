"""Italian formatting of dates, amounts and counts: what recipients of a digest and users of the web read.

One module for both, so that a deadline or an amount reads the same in an email and on a page.
Datetimes are stored in UTC and shown in the timezone passed in (the office's: Europe/Rome).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation

from cercabandi.core.months import MONTHS_IT

MISSING = "—"


def long_date(value: datetime | date, tz: tzinfo, *, with_time: bool = True) -> str:
    """``30 giugno 2026, ore 12:00`` in the reader's timezone (the time only when not midnight or 23:59)."""
    local = value.astimezone(tz) if isinstance(value, datetime) else value
    text = f"{local.day} {MONTHS_IT[local.month - 1]} {local.year}"
    if with_time and isinstance(local, datetime) and (local.hour, local.minute) not in ((0, 0), (23, 59)):
        text += f", ore {local:%H:%M}"
    return text


def short_date(value: datetime | date, tz: tzinfo, *, with_year: bool = False) -> str:
    """``30/06`` or ``30/06/2026`` in the reader's timezone."""
    local = value.astimezone(tz) if isinstance(value, datetime) else value
    return f"{local:%d/%m/%Y}" if with_year else f"{local:%d/%m}"


def days_until(deadline: datetime, now: datetime, tz: tzinfo) -> int:
    """Calendar days from today to the deadline's day, in the reader's timezone."""
    return (deadline.astimezone(tz).date() - now.astimezone(tz).date()).days


def countdown(days: int) -> str:
    if days < 0:
        return "scaduto"
    if days == 0:
        return "scade oggi"
    if days == 1:
        return "scade domani"
    return f"tra {days} giorni"


def euro(value: object) -> str:
    """``€ 1.500.000`` (cents shown only when there are some), Italian separators; ``—`` when missing."""
    if value is None or value == "":
        return MISSING
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    cents = amount != amount.to_integral_value()
    text = f"{amount:,.2f}" if cents else f"{amount:,.0f}"
    return "€ " + text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(rate: object) -> str:
    """A rate (0.4) as ``40%``, one decimal with a comma when needed; ``—`` when missing."""
    if rate is None or rate == "":
        return MISSING
    try:
        value = float(str(rate)) * 100
    except ValueError:
        return str(rate)
    return f"{value:.0f}%" if value == round(value) else f"{value:.1f}%".replace(".", ",")


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def comuni_list(names: Sequence[str], *, everyone: int, shown: int = 3) -> str:
    """Comuni as a reader wants them: "tutti i 133 comuni", or the first few and how many more."""
    if everyone and len(names) >= everyone:
        return f"tutti i {everyone} comuni"
    if len(names) > shown + 1:
        return f"{', '.join(names[:shown])} e altri {len(names) - shown} comuni"
    return ", ".join(names)
