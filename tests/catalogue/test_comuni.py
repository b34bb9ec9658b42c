"""The comuni reference list and tolerant resolution of the names people write."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from cercabandi.core.comuni import (
    all_comuni,
    comune_by_istat,
    find_comuni_in_text,
    resolve_comune,
    resolve_comune_list,
    suggest_comuni,
)
from cercabandi.db.models import Comune
from cercabandi.db.session import upgrade


def test_there_are_exactly_133_comuni_with_unique_codes_of_province_015() -> None:
    comuni = all_comuni()
    assert len(comuni) == 133
    assert len({c.istat for c in comuni}) == 133
    assert len({c.name for c in comuni}) == 133
    assert all(c.istat.startswith("015") for c in comuni)
    assert comune_by_istat("015146").name == "Milano"  # type: ignore[union-attr]
    assert comune_by_istat("015251").name == "Vermezzo con Zelo"  # type: ignore[union-attr]
    # Merged away in 2019: no longer comuni of their own.
    assert comune_by_istat("015235") is None and comune_by_istat("015246") is None


@pytest.mark.parametrize(
    ("written", "istat"),
    [
        ("Milano", "015146"),
        ("MILANO", "015146"),
        ("milano (MI)", "015146"),
        ("Comune di Rho", "015182"),
        ("SAN GIULIANO MILANESE", "015195"),
        ("S. Giuliano Milanese", "015195"),
        ("S.Donato Milanese", "015192"),
        ("S. Stefano Ticino", "015200"),
        ("Santo Stefano Ticino", "015200"),
        ("Cernusco sul Naviglio", "015070"),
        ("Cernusco s/N", "015070"),
        ("Cernusco", "015070"),
        ("Robecco S/N", "015184"),
        ("Cassina de' Pecchi", "015060"),
        ("CASSINA DE' PECCHI", "015060"),
        ("Cassina de’ Pecchi", "015060"),
        ("Cassina de Pecchi", "015060"),
        ("Cassina dè Pecchi", "015060"),
        ("Trezzo sull'Adda", "015221"),
        ("Trezzo sull Adda", "015221"),
        ("Trezzo s/Adda", "015221"),
        ("Pozzo D'Adda", "015177"),
        ("boffalora-sopra-ticino", "015026"),
        ("Boffalora Sopra Ticino", "015026"),
        ("Locate Triulzi", "015125"),
        ("Zelo Surrigone", "015251"),
        ("015146", "015146"),
        ("15146", "015146"),
        ("  Sesto San Giovanni  ", "015209"),
    ],
)
def test_resolve_comune_tolerates_the_usual_spellings(written: str, istat: str) -> None:
    comune = resolve_comune(written)
    assert comune is not None, written
    assert comune.istat == istat


@pytest.mark.parametrize("written", ["Cerro", "Trezzano", "San", "Monza", "Milan0", "", "   ", "Bergamo", "999999"])
def test_resolve_comune_refuses_to_guess(written: str) -> None:
    assert resolve_comune(written) is None


def test_suggestions_for_typos_and_ambiguous_prefixes() -> None:
    assert [c.name for c in suggest_comuni("Cinisello Balsamo Milano")][:1] == ["Cinisello Balsamo"]
    assert "Abbiategrasso" in [c.name for c in suggest_comuni("Abiategrasso")]
    assert {"Cerro al Lambro", "Cerro Maggiore"} <= {c.name for c in suggest_comuni("Cerro")}
    assert {"Trezzano Rosa", "Trezzano sul Naviglio"} <= {c.name for c in suggest_comuni("Trezzano")}


def test_resolve_comune_list_splits_cells_and_reports_unknown_parts() -> None:
    found, unknown = resolve_comune_list("Milano; Cernusco s/N, Rho | Pero - Opera\nSegrate")
    assert [c.name for c in found] == ["Milano", "Cernusco sul Naviglio", "Rho", "Pero", "Opera", "Segrate"]
    assert unknown == []
    found, unknown = resolve_comune_list("Milano; Monza; Milano")
    assert [c.name for c in found] == ["Milano"]
    assert unknown == ["Monza"]
    found, unknown = resolve_comune_list("TUTTI I COMUNI")
    assert len(found) == 133 and unknown == []
    assert resolve_comune_list("") == ([], [])


def test_find_comuni_in_text_avoids_common_words() -> None:
    text = (
        "Riqualificazione a Sesto San Giovanni e Cinisello Balsamo; una nuova opera pubblica a Opera, "
        "non l'Opera di Milano. Pareti color magenta. Cassina de’ Pecchi e Trezzo sull'Adda. OPERA PUBBLICA."
    )
    names = [c.name for c in find_comuni_in_text(text)]
    assert names == [
        "Sesto San Giovanni",
        "Cinisello Balsamo",
        "Opera",
        "Milano",
        "Cassina de' Pecchi",
        "Trezzo sull'Adda",
    ]
    assert find_comuni_in_text("Bando per Milanesi e per San Donato") == []


def test_every_comune_of_the_real_pnrr_catalogue_resolves(shared_data: Path) -> None:
    with (shared_data / "pnrr" / "catalogo_progetti_MI.csv").open(encoding="utf-8") as fh:
        cells = {row["comuni_MI"] for row in csv.DictReader(fh)}
    unresolved = {cell: resolve_comune_list(cell)[1] for cell in cells}
    assert {cell: bad for cell, bad in unresolved.items() if bad} == {}
    assert all(resolve_comune_list(cell)[0] for cell in cells)


def test_upgrade_loads_the_comuni_and_is_idempotent(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Comune)) == 133
        assert conn.scalar(select(Comune.name).where(Comune.istat == "015146")) == "Milano"
    upgrade(engine)  # already at head: nothing doubles
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Comune)) == 133
