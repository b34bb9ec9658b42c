"""Italian formatting shared by digests and the web application."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cercabandi.core.fmt_it import countdown, days_until, euro, long_date, percent, short_date

ROME = ZoneInfo("Europe/Rome")


def test_dates_are_read_in_the_office_timezone() -> None:
    late_evening = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 1 July, 00:30 in Rome
    assert short_date(late_evening, ROME, with_year=True) == "01/07/2026"
    assert long_date(late_evening, ROME) == "1 luglio 2026, ore 00:30"
    assert long_date(datetime(2026, 6, 30, 10, 0, tzinfo=UTC), ROME) == "30 giugno 2026, ore 12:00"
    assert long_date(datetime(2026, 6, 30, 21, 59, tzinfo=UTC), ROME) == "30 giugno 2026"  # 23:59: the day only
    assert long_date(date(2026, 6, 30), ROME) == "30 giugno 2026"
    assert short_date(date(2026, 6, 30), ROME) == "30/06"


def test_countdown_counts_calendar_days() -> None:
    now = datetime(2026, 6, 29, 21, 0, tzinfo=UTC)  # 23:00 of the 29th in Rome
    assert days_until(datetime(2026, 6, 29, 22, 30, tzinfo=UTC), now, ROME) == 1
    assert [countdown(d) for d in (-1, 0, 1, 5)] == ["scaduto", "scade oggi", "scade domani", "tra 5 giorni"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("1500000"), "€ 1.500.000"), ("1250.5", "€ 1.250,50"), (None, "—"), ("", "—"), ("n.d.", "n.d.")],
)
def test_euro(value: object, expected: str) -> None:
    assert euro(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(Decimal("0.4"), "40%"), (0.125, "12,5%"), (None, "—"), ("x", "x")])
def test_percent(value: object, expected: str) -> None:
    assert percent(value) == expected
