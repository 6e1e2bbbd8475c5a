"""Writing CSV: the one seam every CSV file fsapp writes goes through.

Cells come from outside (caller numbers, stored names, campaign data). A spreadsheet opening the file takes a
cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) for a formula
("CSV injection"), so such a cell is written with a leading apostrophe, which spreadsheets show as text.
Numbers, and strings that are plain numbers (``-12``, ``3.5``, ``+4790000302``), hold no formula and are left
as they are.

Hand-written rather than defusedcsv: that library leaves tab and carriage-return cells alone and rewrites
``|`` inside cells.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any]) -> Any: ...


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a CSV cell (strings that could start a formula get a leading ``'``)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """A ``csv.writer`` whose every cell passes :func:`safe_cell`."""

    def __init__(self, inner: _Writer) -> None:
        self._inner = inner

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._inner.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: Any, **options: Any) -> SafeWriter:
    """``csv.writer(handle, **options)`` with neutralized cells."""
    return SafeWriter(csv.writer(handle, **options))


def csv_dict_writer(handle: Any, fieldnames: Sequence[str], **options: Any) -> csv.DictWriter[str]:
    """``csv.DictWriter(handle, fieldnames, **options)`` with neutralized cells."""
    writer = csv.DictWriter(handle, fieldnames, **options)
    writer.writer = SafeWriter(writer.writer)  # type: ignore[assignment]
    return writer
