"""Reading and validating catalogue files: every problem named by row and column."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from cercabandi.catalogue import CatalogueFileError, export_table, parse_catalogue, table_bytes
from cercabandi.catalogue.values import parse_amount, parse_stage, proponent_type_from_name
from cercabandi.core.vocab import ApplicantType, ProjectStage
from cercabandi.flows.catalogue import load_catalogue

HEADER = "Titolo progetto;Descrizione;Comune;CUP;Costo stimato (€);Fase;Soggetto proponente;Email referente\n"


def _csv(tmp_path: Path, body: str, *, name: str = "catalogo.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path


def _errors(path: Path, **kwargs: object) -> list[str]:
    parsed = load_catalogue(path, **kwargs)  # type: ignore[arg-type]
    return [str(issue) for issue in parsed.errors]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1.200.000,00", "1200000.00"),
        ("€ 1,2 mln", "1200000.00"),
        ("1.2 mln", "1200000.00"),
        ("1,5 milioni", "1500000.00"),
        ("250 mila", "250000.00"),
        ("1741966.62", "1741966.62"),
        ("1.200", "1200.00"),
        ("12719", "12719.00"),
        ("1,200,000.50", "1200000.50"),
        ("EUR 350.000", "350000.00"),
        (1200000.0, "1200000.00"),
        ("", None),
    ],
)
def test_parse_amount_reads_italian_and_plain_figures(written: object, expected: str | None) -> None:
    assert parse_amount(written) == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(
    ("written", "message"),
    [("-5.000", "is negative"), ("100.000-200.000", "looks like a range"), ("da definire", "is not an amount")],
)
def test_parse_amount_rejects_with_a_reason(written: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_amount(written)


def test_stage_and_proponent_wordings() -> None:
    assert parse_stage("Progetto esecutivo") is ProjectStage.EXECUTIVE_DESIGN
    assert parse_stage("PFTE") is ProjectStage.FEASIBILITY
    assert parse_stage("lavori in corso") is ProjectStage.UNDER_WAY
    assert parse_stage("Concluso") is ProjectStage.COMPLETED
    assert parse_stage("executive_design") is ProjectStage.EXECUTIVE_DESIGN
    with pytest.raises(ValueError, match="not understood"):
        parse_stage("boh")
    assert proponent_type_from_name("COMUNE DI CASSINA DE' PECCHI") is ApplicantType.COMUNE
    assert proponent_type_from_name("ASST Rhodense") is ApplicantType.HEALTH_AUTHORITY
    assert proponent_type_from_name("ISTIT. COMP.VO V.LE LOMBARDIA") is ApplicantType.SCHOOL
    assert proponent_type_from_name("CITTA' METROPOLITANA DI MILANO") is ApplicantType.CITTA_METROPOLITANA
    assert proponent_type_from_name("Cooperativa sociale Il Grappolo") is ApplicantType.THIRD_SECTOR
    assert proponent_type_from_name("POLITECNICO DI MILANO") is ApplicantType.UNIVERSITY_RESEARCH


def test_valid_csv_with_semicolons_and_italian_headers(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Piazza nuova;Riqualificazione;Cernusco s/N;B21F22000420006;€ 1,2 mln;Progetto definitivo;"
        "Comune di Cernusco sul Naviglio;a.rossi@comune.cernuscosulnaviglio.mi.it\n"
        'CER solidale;"Impianti; scuole";"Milano; Rho";;1.500.000,00;idea;Comune di Milano;\n',
    )
    parsed = load_catalogue(path)
    assert parsed.ok, parsed.errors
    first, second = (row.project for row in parsed.projects)
    assert first.id == "B21F22000420006" and first.cup == "B21F22000420006"
    assert [c.istat for c in first.comuni] == ["015070"]
    assert first.estimated_cost == Decimal("1200000.00")
    assert first.stage is ProjectStage.FINAL_DESIGN
    assert first.proponent_type is ApplicantType.COMUNE
    assert [c.name for c in second.comuni] == ["Milano", "Rho"]
    assert second.id == "015146-cer-solidale"  # no id, no CUP: first comune + title
    assert "semicolon" in parsed.notes[0]


def test_each_validation_error_names_row_column_and_remedy(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Ok;;Milano;;100;;;\n"  # row 2: valid
        "Monza bella;;Monza;;100;;;\n"  # row 3: unknown comune
        "Cup storto;;Rho;B21F2200042;100;;;\n"  # row 4: malformed CUP
        "Costo negativo;;Rho;;-100;;;\n"  # row 5
        "Costo a parole;;Rho;;tanti soldi;;;\n"  # row 6
        ";solo descrizione;Rho;;100;;;\n"  # row 7: empty title
        "Mail;;Rho;;100;;;non-una-mail\n"  # row 8
        "Senza comune;;;;100;;;\n"  # row 9
        "Fase strana;;Rho;;100;quasi pronto;;\n"  # row 10
        "Cerro;;Cerro;;100;;;\n",  # row 11: ambiguous comune
    )
    parsed = load_catalogue(path)
    assert [row.row for row in parsed.projects] == [2]
    errors = {rej.row: " ".join(str(i) for i in rej.issues) for rej in parsed.rejected}
    assert "row 3, C 'Comune': unknown comune 'Monza'" in errors[3]
    assert "not one of the 133 comuni" in errors[3]
    assert "D 'CUP': CUP 'B21F2200042' is malformed" in errors[4]
    assert "'-100' is negative" in errors[5]
    assert "E 'Costo stimato (€)'" in errors[6] and "is not an amount" in errors[6]
    assert "A 'Titolo progetto': the title is empty" in errors[7]
    assert "e-mail address 'non-una-mail' is not valid" in errors[8]
    assert "no comune" in errors[9]
    assert "stage 'quasi pronto' not understood" in errors[10]
    assert "did you mean 'Cerro al Lambro' or 'Cerro Maggiore'" in errors[11]


def test_a_row_longer_than_the_header_is_an_error(tmp_path: Path) -> None:
    path = _csv(tmp_path, "CER;;Milano; Rho;;;;;\n")
    assert _errors(path) == [
        "row 2: 9 cells but only 8 column headers: a ';' inside a cell? Put such a cell in double quotes"
    ]


def test_duplicate_ids_in_one_file_reject_every_copy(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Uno;;Rho;B21F22000420006;;;;\nDue;;Rho;B21F22000420006;;;;\nTre;;Rho;;;;;\n",
    )
    parsed = load_catalogue(path)
    assert [row.row for row in parsed.projects] == [4]
    messages = [str(i) for i in parsed.errors]
    assert messages == [
        "row 2: duplicate CUP 'B21F22000420006': also on row(s) 3; keep one row per project or give each its own id",
        "row 3: duplicate CUP 'B21F22000420006': also on row(s) 2; keep one row per project or give each its own id",
    ]


def test_cp1252_file_is_read_and_said(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Città più verde;Perché sì;Cassina de’ Pecchi;;;;;\n", encoding="cp1252")
    parsed = load_catalogue(path)
    assert parsed.ok
    assert parsed.projects[0].project.title == "Città più verde"
    assert parsed.projects[0].project.comuni[0].istat == "015060"
    assert any("not UTF-8" in note and "Windows-1252" in note for note in parsed.notes)


def test_text_garbled_by_a_wrong_encoding_is_an_error(tmp_path: Path) -> None:
    garbled = "Città più verde".encode().decode("cp1252")  # what a wrong save produces
    path = _csv(tmp_path, f"{garbled};;Rho;;;;;\n")
    assert _errors(path) == [
        f"row 2, A 'Titolo progetto': {garbled!r} looks garbled by a wrong text encoding (meant 'Città più verde'?): "
        "save the file as 'CSV UTF-8' or pass --encoding"
    ]


def test_bom_and_comma_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + b'Titolo,Comune,Costo\nScuola nuova,Rho,"1.200.000,00"\n')
    parsed = load_catalogue(path)
    assert parsed.headers == ["Titolo", "Comune", "Costo"]
    assert parsed.projects[0].project.estimated_cost == Decimal("1200000.00")


def test_explicit_map_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "altro.csv"
    path.write_text("Nome opera;Dove;Note interne;Da ignorare\nPonte;Rho;urgente;x\n", encoding="utf-8")
    with pytest.raises(CatalogueFileError, match="no column holds the project title"):
        load_catalogue(path)
    parsed = load_catalogue(path, maps=["Nome opera=title", "Dove=comuni", "Da ignorare=ignore"])
    project = parsed.projects[0].project
    assert project.title == "Ponte" and project.comuni[0].name == "Rho"
    assert project.extra == {"Note interne": "urgente"}
    with pytest.raises(CatalogueFileError, match="unknown field 'titolo'"):
        load_catalogue(path, maps=["Nome opera=titolo"])
    with pytest.raises(CatalogueFileError, match="not in the file"):
        load_catalogue(path, maps=["Nome=title"])


def test_two_columns_for_one_field_ask_for_a_map(tmp_path: Path) -> None:
    path = tmp_path / "doppio.csv"
    path.write_text("Titolo;Progetto;Comune\nA;B;Rho\n", encoding="utf-8")
    with pytest.raises(CatalogueFileError, match="'Titolo', 'Progetto' all look like 'title'"):
        load_catalogue(path)
    assert load_catalogue(path, maps=["Progetto=extra"]).projects[0].project.extra == {"Progetto": "B"}


def _workbook(path: Path, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for ref in (merges or {}).get(name, []):
            sheet.merge_cells(ref)
    workbook.save(path)
    return path


def test_xlsx_with_banner_numbers_and_vertical_merge(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "mappatura.xlsx",
        {
            "Progetti": [
                ["Mappatura delle progettualità 2026"],
                [],
                ["Titolo", "Comune", "Costo", "Fase"],
                ["Piazza", "Rho", 1200000, "PFTE"],
                ["Scuola", None, 350000.5, "esecutivo"],
                ["Palestra", "Milano", None, None],
            ]
        },
        merges={"Progetti": ["A1:D1", "B4:B5"]},
    )
    parsed = load_catalogue(path)
    assert parsed.ok, parsed.errors
    projects = [row.project for row in parsed.projects]
    assert [p.comuni[0].name for p in projects] == ["Rho", "Rho", "Milano"]
    assert projects[1].estimated_cost == Decimal("350000.50")
    assert [str(w) for w in parsed.warnings] == [
        "row 4, B 'Comune': cells B4:B5 are merged: 'Rho' was used for rows 4-5; check it applies to each of them"
    ]
    assert any("row 3" in note for note in parsed.notes)


def test_xlsx_merged_across_columns_is_an_error(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "merge.xlsx",
        {"Foglio1": [["Titolo", "Comune", "Costo"], ["Piazza", "Rho", 100], ["Scuola", "Rho", 200]]},
        merges={"Foglio1": ["B3:C3"]},
    )
    parsed = load_catalogue(path)
    assert [row.row for row in parsed.projects] == [2]
    assert "cells B3:C3 are merged across columns B-C" in str(parsed.errors[0])


def test_xlsx_with_several_sheets(tmp_path: Path) -> None:
    catalogue: list[list[object]] = [["Titolo", "Comune"], ["Piazza", "Rho"]]
    path = _workbook(tmp_path / "due.xlsx", {"Istruzioni": [["Compilare un progetto per riga"]], "Progetti": catalogue})
    parsed = load_catalogue(path)  # only one sheet looks like a catalogue
    assert parsed.sheet == "Progetti"
    assert any("only one that looks like a catalogue" in note for note in parsed.notes)
    path = _workbook(tmp_path / "tre.xlsx", {"2025": catalogue, "2026": catalogue, "Note": [["x"]]})
    with pytest.raises(CatalogueFileError, match=r"has 3 sheets \('2025', '2026', 'Note'\): choose one with --sheet"):
        load_catalogue(path)
    assert load_catalogue(path, sheet="2026").sheet == "2026"
    with pytest.raises(CatalogueFileError, match=r"no sheet '2027'.*'2025', '2026', 'Note'"):
        load_catalogue(path, sheet="2027")


def test_unreadable_files_say_what_to_do(tmp_path: Path) -> None:
    xls = tmp_path / "vecchio.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(CatalogueFileError, match=r"old Excel 97-2003 \(.xls\).*save it as .xlsx or CSV"):
        load_catalogue(xls)
    empty = tmp_path / "vuoto.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(CatalogueFileError, match="is empty"):
        load_catalogue(empty)
    with pytest.raises(CatalogueFileError, match="not valid utf-8"):
        load_catalogue(_csv(tmp_path, "Città;;Rho;;;;;\n", encoding="cp1252"), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "content", "hint"),
    [
        ("progetti.xlsx", "Titolo;Città\nAsilo nido;Rho\n".encode(), "plain text: if it is a CSV export, rename it"),
        ("progetti.XLSM", b"<!DOCTYPE html><html><body>Sessione scaduta</body></html>", "HTML or XML page"),
        ("progetti.xlsx", b"\x00\x01\x02binary" * 10, "not a zip archive"),
        ("progetti.xlsx", b"", "the file is empty"),
    ],
)
def test_xlsx_name_without_a_workbook_inside(tmp_path: Path, name: str, content: bytes, hint: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    suffix = path.suffix
    with pytest.raises(
        CatalogueFileError, match=rf"^{name} is named \{suffix} but is not an Excel workbook \(.*{hint}"
    ):
        load_catalogue(path)


def test_the_catalogue_stage_reads_and_writes_bytes_without_touching_files(tmp_path: Path) -> None:
    data = (HEADER + "Palestra;Nuova palestra;Rho;;1.200.000,00;idea;Comune di Rho;\n").encode("utf-8")
    parsed = parse_catalogue("catalogo.csv", data)
    assert [row.project.title for row in parsed.projects] == ["Palestra"]
    assert list(tmp_path.iterdir()) == []
    for name in ("progetti.csv", "progetti.xlsx"):
        written = table_bytes(name, *export_table([row.project for row in parsed.projects]))
        again = parse_catalogue(name, written)
        assert [row.project for row in again.projects] == [row.project for row in parsed.projects]
    with pytest.raises(ValueError, match=r"use a \.csv or \.xlsx"):
        table_bytes("progetti.ods", ["Titolo"], [])
