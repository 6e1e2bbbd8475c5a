"""Reading CSV and Excel (.xlsx) files as numbered rows of ``{column: text}``, header on row 1."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from fsapp.store.errors import ImportFileError

Row = dict[str, str]


def read_rows(path: str | Path) -> Iterator[tuple[int, Row]]:
    """``(row_number, row)`` pairs as a spreadsheet numbers them (the header is row 1).

    Column names are lower-cased with spaces as underscores; cells are stripped text.
    """
    file_path = Path(path)
    if not file_path.exists():
        raise ImportFileError("file not found", str(file_path))
    suffix = file_path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(file_path)
    if suffix in (".csv", ".txt", ".tsv"):
        return _csv_rows(file_path)
    raise ImportFileError(f"unsupported file type {suffix!r} (use .csv or .xlsx)", str(file_path))


def _header(cells: list[object], path: Path) -> list[str]:
    names = [str(c or "").strip().lower().replace(" ", "_") for c in cells]
    if not any(names):
        raise ImportFileError("the first row must name the columns", str(path), 1)
    return names


def _csv_rows(path: Path) -> Iterator[tuple[int, Row]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle, dialect)
        header = _header(next(reader, []), path)
        for number, cells in enumerate(reader, start=2):
            if any(cell.strip() for cell in cells):
                yield number, _row(header, cells)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, Row]]:
    from openpyxl import load_workbook  # imported here: only .xlsx imports need it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(f"cannot read the workbook: {exc}", str(path)) from exc
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = _header(list(next(rows, ())), path)
        for number, cells in enumerate(rows, start=2):
            texts = [_cell_text(c) for c in cells]
            if any(texts):
                yield number, _row(header, texts)
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _row(header: list[str], cells: list[str]) -> Row:
    return {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header) if name}
