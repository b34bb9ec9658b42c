"""Euro amounts and co-financing percentages as publishers write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cercabandi.normalise.amounts import AmountRole, find_amounts, find_cofinancing, parse_money, parse_number

B, MIN, MAX, U = AmountRole.BUDGET, AmountRole.GRANT_MIN, AmountRole.GRANT_MAX, AmountRole.UNKNOWN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("€ 1.500.000,00", "1500000.00"),
        ("1,5 milioni di euro", "1500000.00"),
        ("2,5 Mln", "2500000.00"),
        ("2,5 mln €", "2500000.00"),
        ("EUR 2 million", "2000000.00"),
        ("EUR 2.5 million", "2500000.00"),
        ("EUR 1,500,000", "1500000.00"),
        ("1 500 000 €", "1500000.00"),
        ("200.000 euro", "200000.00"),
        ("30.000 €", "30000.00"),
        ("50 mila euro", "50000.00"),
        ("1,2 miliardi di euro", "1200000000.00"),
        ("1000000.0", "1000000.00"),  # PA digitale open data
        ("70047.34", "70047.34"),  # incentivi open data
        ("53200000", "53200000.00"),  # SEDIA budgetYearMap
        ("€ 5.017.007,79", "5017007.79"),
        ("€ 900,50", "900.50"),
    ],
)
def test_parse_money(text: str, expected: str) -> None:
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fino a 200.000 euro", [(MAX, "200000.00")]),
        ("max 30.000 €", [(MAX, "30000.00")]),
        ("contributo massimo di € 150.000,00", [(MAX, "150000.00")]),
        ("up to EUR 2 million per project", [(MAX, "2000000.00")]),
        ("Il contributo minimo è di € 20.000", [(MIN, "20000.00")]),
        ("tra 50.000 e 150.000 euro", [(MAX, "150000.00"), (MIN, "50000.00")]),
        ("contributi da 10.000 a 60.000 euro per progetto", [(MAX, "60000.00"), (MIN, "10000.00")]),
        ("between EUR 1 and 2 million", [(MAX, "2000000.00"), (MIN, "1000000.00")]),
        ("50.000 - 150.000 €", [(MAX, "150000.00"), (MIN, "50000.00")]),
        ("La dotazione finanziaria complessiva è pari a € 5.000.000,00", [(B, "5000000.00")]),
        ("con 30 milioni di euro destinati ai PRigA", [(B, "30000000.00")]),
        ("Total budget: EUR 120 million", [(B, "120000000.00")]),
        ("stanziamento di 1,5 milioni di euro", [(B, "1500000.00")]),
        ("€ 500.000 per ciascun comune", [(MAX, "500000.00")]),
        ("il trasferimento di € 5.017.007,79 per anticipi", [(U, "5017007.79")]),
        # Cariplo's wording: "non potrà essere superiore a X né inferiore a Y".
        (
            "Il contributo richiesto non potrà essere superiore a 150.000 euro né inferiore a 30.000 euro.",
            [(MAX, "150000.00"), (MIN, "30000.00")],
        ),
        ("il contributo non può essere inferiore a € 10.000", [(MIN, "10000.00")]),
        (
            "La dotazione è di € 5.000.000. Il contributo massimo per progetto è di 200.000 euro.",
            [(B, "5000000.00"), (MAX, "200000.00")],
        ),
    ],
)
def test_roles_from_context(text: str, expected: list[tuple[AmountRole, str]]) -> None:
    assert [(a.role, str(a.value)) for a in find_amounts(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Regolamento (UE) n. 651/2014 del 17 giugno 2014",  # a reference, not money
        "nel 2026 sono previsti 3 interventi",  # no currency: not money in free text
        "PR Lombardia FESR 2021-2027",
        "art. 1, comma 42, della legge n. 160",
        "80% dei costi",
    ],
)
def test_not_money(text: str) -> None:
    assert find_amounts(text) == []


@pytest.mark.parametrize(
    ("text", "separators", "expected"),
    [
        ("1.500.000,00", False, "1500000.00"),
        ("1,500,000.00", False, "1500000.00"),
        ("1,5", True, "1.5"),
        ("1,500", False, "1500"),  # English thousands
        ("1,500", True, "1.500"),  # "1,500 milioni": Italian decimal before a multiplier
        ("200.000", False, "200000"),
        ("2.5", True, "2.5"),
    ],
)
def test_parse_number_separators(text: str, separators: bool, expected: str) -> None:
    assert parse_number(text, has_multiplier=separators) == Decimal(expected)


# cofinancing_rate is the APPLICANT's own share of the cost.
@pytest.mark.parametrize(
    ("text", "default", "rate"),
    [
        ("cofinanziamento minimo del 30%", None, 0.30),
        ("Cofinanziamento: almeno il 50% dei costi", None, 0.50),
        ("almeno il 50% di cofinanziamento", None, 0.50),
        ("quota a carico del beneficiario pari al 20%", None, 0.20),
        ("contributo fino all'80% delle spese ammissibili", None, 0.20),
        ("contributo a fondo perduto pari al 70 per cento", None, 0.30),
        ("The ERDF co-financing rate is 80%", None, 0.20),
        ("cofinanziamento FESR dell'80%", None, 0.20),
        ("funding rate: 100%", None, 0.0),
        ("80%", True, 0.20),  # EU usage: the funder's share
        ("40%", False, 0.40),  # Cariplo usage: the applicant's share
        ("12,5%", False, 0.125),
    ],
)
def test_cofinancing(text: str, default: bool | None, rate: float) -> None:
    reading = find_cofinancing(text, default_funded_share=default)
    assert reading is not None
    assert reading.rate == pytest.approx(rate)


@pytest.mark.parametrize("text", ["80%", "il 30% dei comuni ha risposto", "150%"])
def test_percentages_without_telling_words_are_not_guessed(text: str) -> None:
    assert find_cofinancing(text) is None
