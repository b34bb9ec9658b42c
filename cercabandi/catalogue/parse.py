"""Turn a catalogue grid into validated ``Project``s, or into problems a person can fix.

Every problem names the row (as the spreadsheet shows it) and the column (letter and
header), and says what to write instead. A row with any error is rejected whole; the
caller decides whether that stops the import (default) or only skips the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from cercabandi.catalogue.columns import (
    FIELDS,
    ColumnMap,
    build_column_map,
    fold_header,
    guess_field,
    parse_map_options,
)
from cercabandi.catalogue.table import (
    CatalogueFileError,
    CellValue,
    Grid,
    SeveralSheets,
    column_letter,
    read_grid,
)
from cercabandi.catalogue.themes import parse_themes, themes_in_text
from cercabandi.catalogue.values import (
    cell_text,
    garbled_text,
    parse_amount,
    parse_proponent_type,
    parse_stage,
    proponent_type_from_name,
    split_list,
)
from cercabandi.core.comuni import resolve_comune_list, suggest_comuni
from cercabandi.core.folding import fold_words
from cercabandi.core.models import CUP_RE, ComuneRef, Project
from cercabandi.core.untrusted import control_characters, strip_controls
from cercabandi.core.vocab import ApplicantType

HEADER_SCAN_ROWS = 10


@dataclass(frozen=True)
class Issue:
    """One problem: where (row as the spreadsheet numbers it, column letter and header) and what to do."""

    row: int | None
    column: str | None
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = ", ".join(part for part in (f"row {self.row}" if self.row else None, self.column) if part)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ParsedRow:
    row: int
    project: Project


@dataclass
class RejectedRow:
    row: int
    values: list[str]  # the cells as written, in the file's column order
    issues: list[Issue]


@dataclass
class ParsedCatalogue:
    source: str
    sheet: str | None
    headers: list[str]
    columns: ColumnMap
    preset: str | None
    notes: list[str]
    projects: list[ParsedRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [issue for rej in self.rejected for issue in rej.issues]

    @property
    def ok(self) -> bool:
        return not self.rejected


# ----------------------------------------------------------------------- presets


@dataclass(frozen=True)
class Preset:
    """A known catalogue layout: explicit mapping plus fields derived from other columns."""

    name: str
    description: str
    mapping: Mapping[str, str]  # folded header -> field
    signature: frozenset[str]  # folded headers whose presence identifies the layout
    derive: Callable[[Mapping[str, str], dict[str, Any]], None]


def _derive_pnrr(cells: Mapping[str, str], data: dict[str, Any]) -> None:
    """PNRR open data: proponent type, themes, stage and funding from the other columns."""
    text = " ".join(cells.get(k, "") for k in ("titolo progetto", "sintesi progetto"))
    kind = proponent_type_from_name(cells.get("soggetto attuatore", ""))
    if kind is None:
        if cells.get("is municipal attuatore") == "1":
            kind = ApplicantType.COMUNE
        elif re.search(r"scolastic|\bscuol|istituto comprensivo", fold_words(text)):
            kind = ApplicantType.SCHOOL
        elif "ricerca" in fold_words(cells.get("cup settore", "")):
            kind = ApplicantType.UNIVERSITY_RESEARCH
    elif kind == ApplicantType.OTHER_PUBLIC and cells.get("is municipal attuatore") == "1":
        kind = ApplicantType.COMUNE
    data["proponent_type"] = kind
    classification = " ".join(
        cells.get(k, "") for k in ("cup settore", "cup sottosettore", "cup categoria", "cup tipologia")
    )
    data["themes"] = themes_in_text(classification) or themes_in_text(text)
    status = fold_words(cells.get("stato cup", ""))
    data["stage"] = "completed" if status == "chiuso" else None  # "Attivo" says nothing about the stage
    data["funding_obtained"] = "PNRR"


PRESETS: dict[str, Preset] = {
    "pnrr": Preset(
        name="pnrr",
        description="PNRR projects from Italia Domani open data (catalogo_progetti_MI.csv)",
        mapping={
            "project id": "id",
            "cup": "cup",
            "titolo progetto": "title",
            "sintesi progetto": "description",
            "comuni mi": "comuni",
            "soggetto attuatore": "proponent",
            "costo totale": "estimated_cost",
        },
        signature=frozenset({"project id", "titolo progetto", "comuni mi", "soggetto attuatore", "cup settore"}),
        derive=_derive_pnrr,
    ),
}


# ------------------------------------------------------------------------- entry


def parse_catalogue(
    name: str,
    data: bytes,
    *,
    sheet: str | None = None,
    maps: Sequence[str] = (),
    preset: str | None = None,
    encoding: str | None = None,
) -> ParsedCatalogue:
    """Read and validate the content of the catalogue file ``name``.

    Raises ``CatalogueFileError`` when it cannot be read at all.
    """
    overrides = parse_map_options(maps)
    if preset is not None and preset not in PRESETS:
        raise CatalogueFileError(f"unknown preset {preset!r}; presets are: {', '.join(PRESETS)}")
    try:
        grid = read_grid(name, data, sheet=sheet, encoding=encoding)
    except SeveralSheets as several:
        grid = _choose_sheet(several, overrides, preset)
    return parse_grid(grid, overrides=overrides, preset=preset)


def _choose_sheet(several: SeveralSheets, overrides: Mapping[str, str], preset: str | None) -> Grid:
    """The only sheet with a recognisable header row; otherwise ask for --sheet."""
    candidates = [g for g in several.grids if g.rows and _find_header(g.rows, overrides, preset)[1] >= 2]
    if len(candidates) == 1:
        chosen = candidates[0]
        others = ", ".join(repr(g.sheet) for g in several.grids if g is not chosen)
        chosen.notes.append(f"used sheet {chosen.sheet!r}, the only one that looks like a catalogue (skipped {others})")
        return chosen
    detail = (
        f"{len(candidates)} of them look like a catalogue" if candidates else "none has recognisable column headers"
    )
    raise CatalogueFileError(f"{several}; {detail}")


def _find_header(
    rows: Sequence[Sequence[CellValue]], overrides: Mapping[str, str], preset: str | None
) -> tuple[int, int]:
    """(index of the header row, how many of its cells name a field) among the first rows."""
    best, best_score = 0, -1
    seen = 0
    for index, row in enumerate(rows):
        texts = [cell_text(v) for v in row]
        if not any(texts):
            continue
        seen += 1
        if seen > HEADER_SCAN_ROWS:
            break
        score = sum(1 for t in texts if t and _known_header(t, overrides, preset))
        if score > best_score:
            best, best_score = index, score
        if score >= 2:
            return index, score
    return best, max(best_score, 0)


def _known_header(text: str, overrides: Mapping[str, str], preset: str | None) -> bool:
    key = fold_header(text)
    if key in overrides or guess_field(text):
        return True
    return any(key in p.mapping or key in p.signature for name, p in PRESETS.items() if preset in (None, name))


@dataclass
class _Layout:
    """Where the headers are and what each column holds."""

    header_index: int
    header_row_number: int
    headers: list[str]
    raw_width: int  # header cells as read, trailing blanks included
    columns: ColumnMap
    preset: Preset | None
    notes: list[str]


Candidate = tuple[int, list[str], Project | None, list[Issue]]


def parse_grid(grid: Grid, *, overrides: Mapping[str, str] | None = None, preset: str | None = None) -> ParsedCatalogue:
    if not grid.rows:
        raise CatalogueFileError(f"{grid.source} has no rows")
    layout = _read_layout(grid, dict(overrides or {}), preset)
    body = [list(r) for r in grid.rows[layout.header_index + 1 :]]
    numbers = grid.row_numbers[layout.header_index + 1 :]
    warnings: list[Issue] = []
    row_errors: dict[int, list[Issue]] = {}
    _apply_merges(grid, layout.header_row_number, layout.columns, body, numbers, warnings, row_errors)
    result = ParsedCatalogue(
        source=grid.source,
        sheet=grid.sheet,
        headers=layout.headers,
        columns=layout.columns,
        preset=layout.preset.name if layout.preset else None,
        notes=layout.notes,
        warnings=warnings,
    )
    candidates: list[Candidate] = []
    for number, row in zip(numbers, body, strict=True):
        candidate = _candidate(grid, layout, number, row, row_errors.get(number, []))
        if candidate is not None:
            candidates.append(candidate)
    _flag_duplicates(candidates)
    for number, texts, project, issues in candidates:
        if issues or project is None:
            result.rejected.append(RejectedRow(row=number, values=texts[: len(layout.headers)], issues=issues))
        else:
            result.projects.append(ParsedRow(row=number, project=project))
    if not result.projects and not result.rejected:
        raise CatalogueFileError(f"{grid.source} has column headers but no project rows")
    return result


def _read_layout(grid: Grid, overrides: Mapping[str, str], preset: str | None) -> _Layout:
    """Find the header row, recognise a preset layout, and map the columns to fields."""
    header_index, _ = _find_header(grid.rows, overrides, preset)
    header_row_number = grid.row_numbers[header_index]
    headers = [strip_controls(cell_text(v)) for v in grid.rows[header_index]]
    raw_width = len(headers)
    while headers and not headers[-1]:
        headers.pop()
    folded = {fold_header(h) for h in headers}
    notes = list(grid.notes)
    if header_index > 0:
        notes.append(f"column headers found on row {header_row_number}; rows above it skipped")
    chosen: Preset | None = PRESETS[preset] if preset else None
    if chosen is None:
        chosen = next((candidate for candidate in PRESETS.values() if candidate.signature <= folded), None)
        if chosen is not None:
            notes.append(f"recognised the layout of {chosen.description} (preset {chosen.name!r})")
    mapping = {**(dict(chosen.mapping) if chosen else {}), **overrides}
    mapping = {k: v for k, v in mapping.items() if k in folded or k in overrides}
    if chosen:  # the preset's own columns not mapped to fields stay as extra, not guessed
        mapping = {**{k: "extra" for k in folded if k and k not in mapping}, **mapping}
    columns = build_column_map(headers, mapping)
    if columns.column_of("title") is None:
        listing = ", ".join(repr(h) for h in headers if h)
        raise CatalogueFileError(
            f"no column holds the project title (found {listing}): name it with --map 'Header=title'"
        )
    return _Layout(header_index, header_row_number, headers, raw_width, columns, chosen, notes)


def _candidate(
    grid: Grid, layout: _Layout, number: int, row: Sequence[CellValue], merge_errors: list[Issue]
) -> Candidate | None:
    """A body row read into a project and its issues; None for a blank row."""
    texts = [cell_text(v) for v in row]
    if not any(texts):
        return None
    project, issues = _parse_row(number, row, layout.columns, layout.preset)
    issues = merge_errors + issues
    width = max((i + 1 for i, t in enumerate(texts) if t), default=0)
    if grid.kind == "csv" and len(texts) > layout.raw_width:
        width = len(texts)
    if width > max(len(layout.headers), layout.raw_width if grid.kind == "csv" else 0):
        separator = {";": "';'", ",": "','", "\t": "tab", "|": "'|'"}.get(grid.delimiter or "", "separator")
        issues = [
            Issue(
                number,
                None,
                f"{width} cells but only {len(layout.headers)} column headers: a {separator} inside a cell? "
                "Put such a cell in double quotes",
            )
        ]
        project = None
    return number, texts, project if not issues else None, issues


def _apply_merges(
    grid: Grid,
    header_row: int,
    columns: ColumnMap,
    body: list[list[CellValue]],
    numbers: list[int],
    warnings: list[Issue],
    row_errors: dict[int, list[Issue]],
) -> None:
    """Merged cells: a merged header is fatal; merged rows are filled down with a warning."""
    position = {number: i for i, number in enumerate(numbers)}
    for merge in grid.merges:
        if merge.max_row < header_row:
            continue  # a banner above the headers
        if merge.min_row <= header_row:
            raise CatalogueFileError(
                f"header cells {merge.ref} are merged: unmerge them so each column has its own header"
            )
        column = _column_label(columns, merge.min_col - 1)
        if merge.max_col > merge.min_col:
            for number in range(merge.min_row, merge.max_row + 1):
                row_errors.setdefault(number, []).append(
                    Issue(
                        number,
                        column,
                        f"cells {merge.ref} are merged across columns {column_letter(merge.min_col)}-"
                        f"{column_letter(merge.max_col)}: unmerge them and put each value in its own column",
                    )
                )
            continue
        first = position.get(merge.min_row)
        if first is None:
            continue
        value = body[first][merge.min_col - 1] if merge.min_col - 1 < len(body[first]) else None
        for number in range(merge.min_row + 1, merge.max_row + 1):
            index = position.get(number)
            if index is None:
                continue
            row = body[index]
            while len(row) < merge.min_col:
                row.append(None)
            row[merge.min_col - 1] = value
        warnings.append(
            Issue(
                merge.min_row,
                column,
                f"cells {merge.ref} are merged: {cell_text(value)!r} was used for rows "
                f"{merge.min_row}-{merge.max_row}; check it applies to each of them",
                severity="warning",
            )
        )


def _column_label(columns: ColumnMap, index: int) -> str:
    if 0 <= index < len(columns.headers):
        return columns.describe(index)
    return f"column {column_letter(index + 1)}"


def _parse_row(
    number: int, row: Sequence[CellValue], columns: ColumnMap, preset: Preset | None
) -> tuple[Project | None, list[Issue]]:
    issues: list[Issue] = []
    data: dict[str, Any] = {"extra": {}}
    where: dict[str, str] = {}
    cells_by_key: dict[str, str] = {}
    for index, fld in sorted(columns.fields.items()):
        raw = row[index] if index < len(row) else None
        text = cell_text(raw)
        cells_by_key[fold_header(columns.headers[index])] = text
        if fld == "ignore":
            continue
        label = columns.describe(index)
        if fld != "extra":
            where[fld] = label
        issue = _read_cell(number, fld, raw, text, label, columns.headers[index], data)
        if issue is not None:
            issues.append(issue)
    if preset is not None:
        preset.derive(cells_by_key, data)
    issues += _missing(number, data, where, issues)
    _complete(data)
    if issues:
        return None, issues
    try:
        return Project(**data), []
    except ValidationError as exc:
        for error in exc.errors():
            fld = str(error["loc"][0]) if error["loc"] else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            issues.append(Issue(number, where.get(fld, fld or None), message))
        return None, issues


_CONTROLS_MESSAGE = (
    "contains control characters ({}), invisible and not text: delete them (retype the cell) and import again"
)


def _read_cell(
    number: int, fld: str, raw: CellValue, text: str, label: str, header: str, data: dict[str, Any]
) -> Issue | None:
    """Put one cell's value in ``data`` (a field, or ``extra`` under its header); or say what is wrong."""
    controls = control_characters(text)
    if controls:
        return Issue(number, label, _CONTROLS_MESSAGE.format(", ".join(controls)))
    fixed = garbled_text(text) if text else None
    if fixed is not None:
        return Issue(
            number,
            label,
            f"{text!r} looks garbled by a wrong text encoding (meant {fixed!r}?): save the file as "
            "'CSV UTF-8' or pass --encoding",
        )
    if fld == "extra":
        if text:
            data["extra"][header] = text
        return None
    try:
        value = _field_value(fld, raw, text)
    except ValueError as exc:
        return Issue(number, label, str(exc))
    if value is not None:
        data[fld] = value
    return None


def _missing(number: int, data: Mapping[str, Any], where: Mapping[str, str], issues: Sequence[Issue]) -> list[Issue]:
    """The title and the comuni every project needs, unless their cells already have an issue."""
    missing = []
    if not data.get("title") and not any(i.column == where.get("title") for i in issues):
        missing.append(
            Issue(number, where.get("title"), "the title is empty: every project needs a title (a short name)")
        )
    if "comuni" not in data and not any(i.column == where.get("comuni") for i in issues):
        missing.append(
            Issue(
                number,
                where.get("comuni"),
                "no comune: write where the project takes place (one or more comuni separated by ';', "
                "or 'Tutti i comuni')",
            )
        )
    return missing


def _complete(data: dict[str, Any]) -> None:
    """The proponent type guessed from its name, unset optional fields dropped, an id when none is given."""
    if data.get("proponent_type") is None and data.get("proponent"):
        data["proponent_type"] = proponent_type_from_name(data["proponent"])
    if data.get("proponent_type") is None:
        data.pop("proponent_type", None)
    if data.get("stage") is None:
        data.pop("stage", None)
    if not data.get("id"):
        data["id"] = data.get("cup") or _generated_id(data)


def _field_value(fld: str, raw: CellValue, text: str) -> Any:
    if fld in ("estimated_cost", "cofinancing_available"):
        return parse_amount(raw if not isinstance(raw, str) else text)
    if not text:
        return None
    if fld == "cup":
        cup = re.sub(r"\s+", "", text).upper()
        if not CUP_RE.match(cup):
            raise ValueError(
                f"CUP {text!r} is malformed: a CUP has 15 characters, letter-2 digits-letter-11 digits "
                "(e.g. B21F22000420006); leave the cell empty if the project has none"
            )
        return cup
    if fld == "comuni":
        found, unknown = resolve_comune_list(text)
        if unknown:
            raise ValueError("; ".join(_unknown_comune(name) for name in unknown))
        return [ComuneRef(istat=c.istat, name=c.name) for c in found]
    if fld == "proponent_type":
        return parse_proponent_type(text)
    if fld == "stage":
        return parse_stage(text)
    if fld == "partners":
        return split_list(text)
    if fld == "themes":
        return parse_themes(text)
    if fld == "contact_email":
        email = text.removeprefix("mailto:").strip()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise ValueError(f"e-mail address {text!r} is not valid: write it like nome.cognome@comune.milano.it")
        return email
    assert fld in FIELDS
    return text


def _unknown_comune(name: str) -> str:
    suggestions = [c.name for c in suggest_comuni(name)]
    hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
    return f"unknown comune {name!r}: not one of the 133 comuni of the Città metropolitana di Milano{hint}"


def _generated_id(data: Mapping[str, Any]) -> str:
    """An id for a row with neither id nor CUP: first comune's ISTAT code and the title."""
    comuni = data.get("comuni") or []
    prefix = comuni[0].istat if comuni else "cm"
    slug = re.sub(r"[^a-z0-9]+", "-", fold_words(str(data.get("title", "")))).strip("-")[:80]
    return f"{prefix}-{slug or 'senza-titolo'}"


def _flag_duplicates(candidates: list[Candidate]) -> None:
    """Rows sharing an id are all rejected: which one is right is for a person to say."""
    rows_by_id: dict[str, list[int]] = {}
    for number, _, project, _ in candidates:
        if project is not None:
            rows_by_id.setdefault(project.id, []).append(number)
    for i, (number, texts, project, issues) in enumerate(candidates):
        if project is None or len(rows_by_id[project.id]) < 2:
            continue
        others = [n for n in rows_by_id[project.id] if n != number]
        what = "CUP" if project.cup == project.id else "id"
        issues.append(
            Issue(
                number,
                None,
                f"duplicate {what} {project.id!r}: also on row(s) {', '.join(map(str, others))}; keep one row per "
                "project or give each its own id",
            )
        )
        candidates[i] = (number, texts, None, issues)
