"""Italian and EU date phrasings, with the traps: publication dates, hours, ranges, placeholders."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from cercabandi.normalise.dates import DateRole, find_dates, parse_one, plausibility_problem, to_utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (text, expected (role, UTC instant when read as a deadline) for every date found, in order)
CASES: list[tuple[str, list[tuple[DateRole, datetime]]]] = [
    ("entro le ore 12:00 del 30 aprile 2026", [(DateRole.DEADLINE, utc(2026, 4, 30, 10))]),
    ("entro le ore 12 del 30 aprile 2026", [(DateRole.DEADLINE, utc(2026, 4, 30, 10))]),  # "ore 12" without minutes
    ("entro e non oltre le ore 12.00 del giorno 15/01/2027", [(DateRole.DEADLINE, utc(2027, 1, 15, 11))]),  # CET: +1
    ("entro le ore 24:00 del 15/05/2026", [(DateRole.DEADLINE, utc(2026, 5, 15, 21, 59, 59))]),  # 24:00 = end of day
    ("Scade il: 07/09/2026, ore 12:00", [(DateRole.DEADLINE, utc(2026, 9, 7, 10))]),
    ("Scade il: 07/09/2026 , ore 12:00", [(DateRole.DEADLINE, utc(2026, 9, 7, 10))]),
    ("Scadenza: 30.04.2026", [(DateRole.DEADLINE, utc(2026, 4, 30, 21, 59, 59))]),  # no hour: 23:59:59 Rome
    ("scadenza 30-11-2026 h 17:00", [(DateRole.DEADLINE, utc(2026, 11, 30, 16))]),
    ("termine di presentazione: 1° marzo 2027", [(DateRole.DEADLINE, utc(2027, 3, 1, 22, 59, 59))]),
    ("entro il 30 apr. 2026", [(DateRole.DEADLINE, utc(2026, 4, 30, 21, 59, 59))]),
    ("entro il 3 sett. 2026 alle 17", [(DateRole.DEADLINE, utc(2026, 9, 3, 15))]),
    ("fino al 31 dicembre 2026", [(DateRole.DEADLINE, utc(2026, 12, 31, 22, 59, 59))]),
    ("Deadline: 15 March 2027 at 17:00 CET", [(DateRole.DEADLINE, utc(2027, 3, 15, 16))]),
    ("Deadline date: 08 October 2026 17:00:00 Brussels time", [(DateRole.DEADLINE, utc(2026, 10, 8, 15))]),
    ("Applications close on March 2, 2027", [(DateRole.DEADLINE, utc(2027, 3, 2, 22, 59, 59))]),
    ("deadline 1st June 2026, 12:00 UTC", [(DateRole.DEADLINE, utc(2026, 6, 1, 12))]),
    ("scade il 29/03/2026 ore 12:00", [(DateRole.DEADLINE, utc(2026, 3, 29, 10))]),  # DST starts that night
    ("scade il 25/10/2026 ore 12:00", [(DateRole.DEADLINE, utc(2026, 10, 25, 11))]),  # DST ended that night
    # ranges: one year for both ends; "02/03" is 2 March (day first)
    (
        "Possono candidarsi, dal 02/03 al 03/06/2026, le AdG dei PR FESR",
        [(DateRole.OPENING, utc(2026, 3, 2, 22, 59, 59)), (DateRole.DEADLINE, utc(2026, 6, 3, 21, 59, 59))],
    ),
    (
        "Il bando è aperto dal 1° marzo al 29 novembre 2024 salvo chiusura anticipata",
        [(DateRole.OPENING, utc(2024, 3, 1, 22, 59, 59)), (DateRole.DEADLINE, utc(2024, 11, 29, 22, 59, 59))],
    ),
    (
        "domande dal 10 al 20 maggio 2026",
        [(DateRole.OPENING, utc(2026, 5, 10, 21, 59, 59)), (DateRole.DEADLINE, utc(2026, 5, 20, 21, 59, 59))],
    ),
    (
        "dal 15/12 al 31/01/2027",  # a range across the new year
        [(DateRole.OPENING, utc(2026, 12, 15, 22, 59, 59)), (DateRole.DEADLINE, utc(2027, 1, 31, 22, 59, 59))],
    ),
    # several dates in one text, each with its own time and role
    (
        "a partire dalle ore 12.00 del 21/04/2026 fino alle ore 12.00 del 23/06/2026.",
        [(DateRole.OPENING, utc(2026, 4, 21, 10)), (DateRole.DEADLINE, utc(2026, 6, 23, 10))],
    ),
    (
        "Pubblicato il: 14/05/2026 , ore 09:16 Domande dal: 16/06/2026 , ore 10:00 Scade il: 07/09/2026 , ore 12:00",
        [
            (DateRole.PUBLISHED, utc(2026, 5, 14, 7, 16)),
            (DateRole.OPENING, utc(2026, 6, 16, 8)),
            (DateRole.DEADLINE, utc(2026, 9, 7, 10)),
        ],
    ),
    (
        "trasmessa a partire dal giorno 05/07/2023 ed entro e non oltre il giorno 20/09/2023 alle ore 18.00.",
        [(DateRole.OPENING, utc(2023, 7, 5, 21, 59, 59)), (DateRole.DEADLINE, utc(2023, 9, 20, 16))],
    ),
    (
        "presentate dalle ore 12.00 alle ore 18.00 del giorno 10 dicembre 2024, e nei giorni successivi",
        [(DateRole.OPENING, utc(2024, 12, 10, 11))],
    ),
    # publication dates and acts are never deadlines
    ("Pubblicato il 3 marzo 2026", [(DateRole.PUBLISHED, utc(2026, 3, 3, 22, 59, 59))]),
    ("Notizia 27 Luglio, 2026 Finanza locale", [(DateRole.PUBLISHED, utc(2026, 7, 27, 21, 59, 59))]),
    ("Comunicato del 24 luglio 2026", [(DateRole.PUBLISHED, utc(2026, 7, 24, 21, 59, 59))]),
    ("DCD n. 228 del 09 Ottobre 2024 - Proroga termini", [(DateRole.REFERENCE, utc(2024, 10, 9, 21, 59, 59))]),
    ("ai sensi della legge 27 dicembre 2019, n. 160", [(DateRole.REFERENCE, utc(2019, 12, 27, 22, 59, 59))]),
    ("Regolamento (UE) n. 651/2014 del 17 giugno 2014", [(DateRole.REFERENCE, utc(2014, 6, 17, 21, 59, 59))]),
    ("dovranno concludere i lavori entro il 31 dicembre 2027", [(DateRole.MILESTONE, utc(2027, 12, 31, 22, 59, 59))]),
    (
        "Il decreto prevede che le domande siano presentate entro il 30 aprile 2026",
        [(DateRole.DEADLINE, utc(2026, 4, 30, 21, 59, 59))],
    ),
    (
        "Le domande per l'anno 2025 possono essere presentate fino al 31.12.2025. Successivamente dal 1 gennaio",
        [(DateRole.DEADLINE, utc(2025, 12, 31, 22, 59, 59))],
    ),
    # structured fields
    ("2026-09-07 12:00", [(DateRole.UNKNOWN, utc(2026, 9, 7, 10))]),  # Bandi Online checkCloseDate, Rome time
    ("2026-10-08T00:00:00.000+0000", [(DateRole.UNKNOWN, utc(2026, 10, 8, 21, 59, 59))]),  # SEDIA: a date only
    ("2026-06-16T00:00:00.000", [(DateRole.UNKNOWN, utc(2026, 6, 16, 21, 59, 59))]),  # Socrata floating: a date only
    ("2026-05-01T10:00:00+02:00", [(DateRole.UNKNOWN, utc(2026, 5, 1, 8))]),
    ("2026-05-01T10:00:00Z", [(DateRole.UNKNOWN, utc(2026, 5, 1, 10))]),
    ("2026-01-30", [(DateRole.UNKNOWN, utc(2026, 1, 30, 22, 59, 59))]),
    ("30/04/26", [(DateRole.UNKNOWN, utc(2026, 4, 30, 21, 59, 59))]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_phrasings(text: str, expected: list[tuple[DateRole, datetime]]) -> None:
    scan = find_dates(text)
    got = [(m.role, m.at(end_of_day=True)) for m in scan.mentions]
    assert got == expected
    assert scan.problems == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("31/02/2026", "not a real date"),
        ("entro il 30 febbraio 2026", "not a real date"),
        ("03/25/2026", "month first"),  # US order is not trusted
        ("2026-13-01", "not a real date"),
    ],
)
def test_impossible_dates_are_reported_not_used(text: str, problem: str) -> None:
    scan = find_dates(text)
    assert scan.mentions == []
    assert any(problem in p for p in scan.problems)


@pytest.mark.parametrize(
    "text",
    [
        "art. 12.3 del regolamento",
        "versione 1.2.3",
        "ore 10.00 alle 12.00",
        "tel. 02 6765 1234",
        "n. 651/2014",
        "PR FESR 2021-2027",
    ],
)
def test_numbers_that_are_not_dates(text: str) -> None:
    assert find_dates(text).mentions == []


def test_opening_reads_start_of_day_and_deadline_end_of_day() -> None:
    [mention] = find_dates("1 luglio 2026").mentions
    assert mention.at(end_of_day=False) == utc(2026, 6, 30, 22)
    assert mention.at(end_of_day=True) == utc(2026, 7, 1, 21, 59, 59)


def test_to_utc_handles_both_sides_of_dst() -> None:
    assert to_utc(date(2026, 1, 15), time(12), end_of_day=True) == utc(2026, 1, 15, 11)
    assert to_utc(date(2026, 7, 15), time(12), end_of_day=True) == utc(2026, 7, 15, 10)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1789430400000", utc(2026, 9, 15, 21, 59, 59)),  # epoch ms at midnight UTC: a date only
        ("1727560740000", utc(2024, 9, 28, 21, 59)),  # epoch ms with a time
        ("2026-09-07T00:00:00", utc(2026, 9, 7, 21, 59, 59)),
    ],
)
def test_parse_one_structured(value: str, expected: datetime) -> None:
    assert parse_one(value, end_of_day=True) == (expected, [])


def test_parse_one_reports_what_it_cannot_read() -> None:
    moment, problems = parse_one("da definire", end_of_day=True)
    assert moment is None and problems


@pytest.mark.parametrize(
    ("moment", "flagged"),
    [
        (utc(2099, 12, 31, 22), True),  # placeholder for "no deadline"
        (utc(1970, 1, 1), True),  # empty epoch
        (utc(1999, 12, 31), True),
        (utc(2036, 6, 1), False),  # ten years ahead is still plausible
        (utc(2026, 9, 7), False),
    ],
)
def test_plausibility(moment: datetime, flagged: bool, now: datetime) -> None:
    assert (plausibility_problem(moment, now) is not None) is flagged
