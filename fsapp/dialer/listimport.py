"""Reading a campaign's call list: numbers normalized, bad rows reported, duplicates merged, do-not-call honoured.

Columns (header on row 1, CSV or .xlsx, read by :func:`fsapp.store.tabular.read_rows`): ``phone`` (or
``number``), optional ``name`` and ``language``; any other column is kept as the contact's data (for
messages that name an address or a meter). Rows with the same normalized number are merged into one contact:
later rows fill in what earlier ones left empty.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from fsapp.store.importer import RowProblem
from fsapp.store.phones import normalize_phone
from fsapp.store.tabular import Row, read_rows

PHONE_COLUMNS = ("phone", "number", "phone_number", "telefon", "mobile")


@dataclass
class ListedContact:
    """One contact from the file, keyed by its E.164 number."""

    row_number: int
    number: str
    name: str = ""
    language: str = ""
    data: dict[str, str] = field(default_factory=dict)

    def merge(self, other: ListedContact) -> None:
        """Fill in what this contact lacks from a later row with the same number."""
        self.name = self.name or other.name
        self.language = self.language or other.language
        for key, value in other.data.items():
            if value and not self.data.get(key):
                self.data[key] = value


@dataclass
class ListReport:
    """What became of the rows of a list file."""

    added: int = 0
    merged: int = 0
    do_not_call: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"added": self.added, "merged": self.merged, "do_not_call": self.do_not_call,
                "problems": [{"row": p.row, "reason": p.reason} for p in self.problems]}


def read_contact_list(path: str | Path, region: str,
                      do_not_call: Collection[str] = ()) -> tuple[list[ListedContact], ListReport]:
    """The file's contacts (one per number, in file order) and the report of skipped and merged rows."""
    report = ListReport()
    contacts: dict[str, ListedContact] = {}
    for row_number, row in read_rows(path):
        problem, contact = _contact(row_number, row, region)
        if contact is None:
            report.problems.append(RowProblem(row_number, problem))
        elif contact.number in do_not_call:
            report.do_not_call += 1
        elif contact.number in contacts:
            contacts[contact.number].merge(contact)
            report.merged += 1
        else:
            contacts[contact.number] = contact
    return list(contacts.values()), report


def _contact(row_number: int, row: Row, region: str) -> tuple[str, ListedContact | None]:
    column = next((c for c in PHONE_COLUMNS if c in row), None)
    if column is None or not row[column]:
        return "no phone number", None
    number = normalize_phone(row[column], region)
    if number is None:
        return f"phone {row[column]!r} is not a valid number", None
    language = row.get("language", "").lower()
    if language and not (language.isalpha() and 2 <= len(language) <= 3):
        return f"language {row['language']!r} is not a language code (nb, en, pl...)", None
    data = {k: v for k, v in row.items() if k not in (column, "name", "language") and v}
    return "", ListedContact(row_number, number, row.get("name", ""), language, data)


def read_number_list(path: str | Path, region: str) -> tuple[list[str], list[RowProblem]]:
    """Numbers from a do-not-call file (same columns as a call list; other columns are ignored)."""
    contacts, report = read_contact_list(path, region)
    return [c.number for c in contacts], report.problems
