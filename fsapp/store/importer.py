"""Importing citizens and properties from CSV or .xlsx: good rows in, bad rows reported, re-imports update.

A citizen row matches an existing citizen by ``external_id`` or, without one, by any of its normalized phone
numbers; a property row matches by ``external_id`` or meter number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import peewee as pw

from fsapp.store.base import StoreBase, bulk
from fsapp.store.models import Citizen, CitizenPhone, CitizenProperty, Property
from fsapp.store.phones import normalize_phone
from fsapp.store.tabular import Row, read_rows

T = TypeVar("T")

BATCH_ROWS = 200   # rows per transaction: tens of milliseconds of the write lock
CHANNELS = ("phone", "sms", "email")
YES = ("1", "yes", "y", "true", "ja", "j", "x")
NO = ("", "0", "no", "n", "false", "nei")


@dataclass(frozen=True)
class RowProblem:
    """A row that was not imported, and why."""

    row: int
    reason: str


@dataclass
class ImportReport:
    """The outcome of one import file."""

    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


Progress = Callable[[ImportReport], None]


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class BadRow(ValueError):
    """A row's content does not make a valid record."""


def citizen_values(row: Row, region: str) -> tuple[dict[str, Any], list[str]]:
    """The citizen fields and E.164 numbers from one row (raises :class:`BadRow`)."""
    name = row.get("name", "")
    raw_phones = [p for p in row.get("phone", row.get("phones", "")).replace(",", ";").split(";") if p.strip()]
    phones = []
    for raw in raw_phones:
        e164 = normalize_phone(raw, region)
        if e164 is None:
            raise BadRow(f"phone {raw.strip()!r} is not a valid number")
        phones.append(e164)
    if not name and not row.get("external_id"):
        raise BadRow("a name or an external_id is required")
    if not phones and not row.get("external_id"):
        raise BadRow("a phone number or an external_id is required")
    email = row.get("email") or None
    if email and ("@" not in email or " " in email):
        raise BadRow(f"e-mail {email!r} is not an address")
    channel = (row.get("preferred_channel") or "phone").lower()
    if channel not in CHANNELS:
        raise BadRow(f"preferred_channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    values: dict[str, Any] = {"name": name, "email": email, "address": row.get("address", ""),
                              "postcode": row.get("postcode", ""), "city": row.get("city", ""),
                              "language": row.get("language") or "nb", "preferred_channel": channel}
    for flag in ("consent_sms", "consent_email", "consent_recording"):
        values[flag] = _flag(row.get(flag, ""), flag)
    return values, phones


def _flag(text: str, name: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise BadRow(f"{name} must be yes or no, not {text!r}")


def property_values(row: Row) -> dict[str, Any]:
    """The property fields from one row (raises :class:`BadRow`)."""
    if not row.get("external_id") and not row.get("meter_number"):
        raise BadRow("an external_id or a meter_number is required")
    kind = (row.get("kind") or "address").lower()
    if kind not in ("address", "building", "meter"):
        raise BadRow(f"kind must be address, building or meter, not {kind!r}")
    values: dict[str, Any] = {"kind": kind, "address": row.get("address", ""), "postcode": row.get("postcode", ""),
                              "city": row.get("city", ""), "meter_number": row.get("meter_number") or None}
    for axis in ("latitude", "longitude"):
        if row.get(axis):
            try:
                values[axis] = float(row[axis].replace(",", "."))
            except ValueError:
                raise BadRow(f"{axis} must be a number, not {row[axis]!r}") from None
    return values


class Importer(StoreBase):
    """Bulk loading of the city's registers.

    Rows are read and checked outside any transaction, then written :data:`BATCH_ROWS` at a time, each batch
    in its own short transaction: a register of hundreds of thousands of rows never holds the database's
    write lock for more than a moment, and the calls' own writes go on meanwhile. An import cut short
    leaves its first batches in; importing the file again updates them.
    """

    @bulk
    def import_citizens(self, path: str | Path, actor: str = "import",
                        progress: Progress | None = None) -> ImportReport:
        """Import citizens from a CSV or .xlsx file (columns: external_id, name, phone, email, address,
        postcode, city, language, preferred_channel, consent_sms, consent_email, consent_recording).

        ``progress`` is called with the report so far after each batch is committed."""
        return self._import(path, actor, "citizen", lambda row: citizen_values(row, self.region),
                            lambda row, parsed: self._save_citizen(row.get("external_id") or None, *parsed),
                            progress)

    @bulk
    def import_properties(self, path: str | Path, actor: str = "import",
                          progress: Progress | None = None) -> ImportReport:
        """Import properties from a CSV or .xlsx file (columns: external_id, kind, address, postcode, city,
        meter_number, latitude, longitude, and optionally citizen_external_id or owner_phone plus role)."""
        return self._import(path, actor, "property", lambda row: (property_values(row), self._owner(row)),
                            lambda row, parsed: self._save_property(row.get("external_id") or None, *parsed,
                                                                    row.get("role") or "owner"),
                            progress)

    def _import(self, path: str | Path, actor: str, entity: str, parse: Callable[[Row], Any],
                save: Callable[[Row, Any], bool], progress: Progress | None) -> ImportReport:
        report = ImportReport()
        for batch in _batches(read_rows(path), BATCH_ROWS):
            checked = []
            for number, row in batch:
                try:
                    checked.append((number, row, parse(row)))
                except BadRow as exc:
                    report.problems.append(RowProblem(number, str(exc)))
            with self.db.atomic():
                for number, row, parsed in checked:
                    try:
                        with self.db.atomic():
                            created = save(row, parsed)
                    except (BadRow, pw.IntegrityError, pw.DataError) as exc:
                        report.problems.append(RowProblem(number, str(exc)))
                        continue
                    report.created += created
                    report.updated += not created
            if progress is not None:
                progress(report)
        report.problems.sort(key=lambda problem: problem.row)
        self.audit(actor, "import", entity, Path(path).name[:60],
                   f"{path}: {report.created} created, {report.updated} updated, {len(report.problems)} bad rows")
        return report

    def _save_citizen(self, external_id: str | None, values: dict[str, Any], phones: list[str]) -> bool:
        citizen = self._match_citizen(external_id, phones)
        now = self.clock()
        if citizen is None:
            citizen_id = Citizen.create(external_id=external_id, created_at=now, updated_at=now, **values).id
        else:
            citizen_id = citizen.id
            if external_id:
                values["external_id"] = external_id
            Citizen.update(updated_at=now, **{k: v for k, v in values.items() if v not in ("", None)}).where(
                Citizen.id == citizen_id).execute()
        known = {p.number for p in CitizenPhone.select().where(CitizenPhone.citizen == citizen_id)}
        for number in phones:
            if number not in known:
                CitizenPhone.create(citizen=citizen_id, number=number)
        return citizen is None

    @staticmethod
    def _match_citizen(external_id: str | None, phones: list[str]) -> Citizen | None:
        if external_id:
            found = Citizen.get_or_none(Citizen.external_id == external_id)
            if found is not None:
                return found
        if phones:
            return (Citizen.select().join(CitizenPhone)
                    .where(CitizenPhone.number.in_(phones), Citizen.erased_at.is_null())
                    .order_by(Citizen.id).first())
        return None

    def _owner(self, row: Row) -> int | None:
        if row.get("citizen_external_id"):
            found = Citizen.get_or_none(Citizen.external_id == row["citizen_external_id"])
            if found is None:
                raise BadRow(f"no citizen with external_id {row['citizen_external_id']!r}")
            return found.id
        if row.get("owner_phone"):
            e164 = normalize_phone(row["owner_phone"], self.region)
            match = self._match_citizen(None, [e164]) if e164 else None
            if match is None:
                raise BadRow(f"no citizen with phone {row['owner_phone']!r}")
            return match.id
        return None

    def _save_property(self, external_id: str | None, values: dict[str, Any], owner: int | None,
                       role: str) -> bool:
        found = Property.get_or_none(Property.external_id == external_id) if external_id else None
        if found is None and values.get("meter_number"):
            found = Property.get_or_none(Property.meter_number == values["meter_number"])
        if found is None:
            property_id = Property.create(external_id=external_id, **values).id
        else:
            property_id = found.id
            Property.update(**values).where(Property.id == property_id).execute()
        if owner is not None:
            link = CitizenProperty.get_or_none(CitizenProperty.citizen == owner,
                                               CitizenProperty.property == property_id)
            if link is None:
                CitizenProperty.create(citizen=owner, property=property_id, role=role)
        return found is None
