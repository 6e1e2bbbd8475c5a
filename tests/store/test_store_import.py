"""Importing citizens and properties from CSV and .xlsx: bad rows reported, re-import updates."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from fsapp.store import ImportFileError, Store

CITIZENS_CSV = """external_id;name;phone;email;language;preferred_channel;consent_sms
C1;Kari Nordmann;22 33 44 55;kari@example.no;nb;sms;yes
;Ola Hansen;+47 912 34 567, 23 45 67 89;;en;phone;no
C3;Bad Phone;12;;nb;phone;no
C4;Bad Mail;22 00 00 01;not-an-address;nb;phone;no

C5;Bad Channel;22 00 00 02;;nb;pigeon;no
"""


def test_csv_import_reports_bad_rows_and_imports_good_ones(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "citizens.csv"
    source.write_text(CITIZENS_CSV, encoding="utf-8")
    report = store.import_citizens(source)
    assert (report.created, report.updated) == (2, 0)
    assert [(p.row, p.reason.split(" ")[0]) for p in report.problems] == [(4, "phone"), (5, "e-mail"),
                                                                           (7, "preferred_channel")]
    kari = store.lookup_caller("22334455").citizen
    assert kari is not None and kari.external_id == "C1" and kari.consent_sms and kari.preferred_channel == "sms"
    ola = store.lookup_caller("+4723456789").citizen
    assert ola is not None and ola.phones == ("+4791234567", "+4723456789")


def test_reimport_updates_by_external_id_or_phone(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "citizens.csv"
    source.write_text(CITIZENS_CSV, encoding="utf-8")
    store.import_citizens(source)
    source.write_text("external_id,name,phone,address\n"
                      "C1,Kari Nordmann-Berg,22 33 44 55,Storgata 1\n"
                      ",Ola Hansen,91234567,Lillegata 2\n", encoding="utf-8")
    report = store.import_citizens(source)
    assert (report.created, report.updated, report.problems) == (0, 2, [])
    assert len(store.find_citizens()) == 2
    kari = store.lookup_caller("22334455").citizen
    assert kari is not None and (kari.name, kari.address) == ("Kari Nordmann-Berg", "Storgata 1")
    assert store.lookup_caller("23456789").citizen.address == "Lillegata 2"  # type: ignore[union-attr]


def test_xlsx_import_of_citizens_and_properties(store: Store, tmp_path: Path) -> None:
    people = Workbook()
    people.active.append(["External ID", "Name", "Phone"])
    people.active.append(["C1", "Kari Nordmann", 22334455])
    people.active.append(["", "No Phone", ""])
    people.save(tmp_path / "citizens.xlsx")
    report = store.import_citizens(tmp_path / "citizens.xlsx")
    assert report.created == 1
    assert [(p.row, p.reason) for p in report.problems] == [(3, "a phone number or an external_id is required")]

    objects = Workbook()
    objects.active.append(["external_id", "kind", "address", "meter_number", "latitude", "citizen_external_id"])
    objects.active.append(["P1", "meter", "Storgata 1", "M-100", "59,91", "C1"])
    objects.active.append(["P2", "castle", "Slottet", "", "", ""])
    objects.active.append(["P3", "building", "Lillegata 2", "", "x", ""])
    objects.active.append(["P4", "building", "Lillegata 4", "", "", "C9"])
    objects.save(tmp_path / "properties.xlsx")
    report = store.import_properties(tmp_path / "properties.xlsx")
    assert report.created == 1
    assert [p.row for p in report.problems] == [3, 4, 5]
    again = store.import_properties(tmp_path / "properties.xlsx")
    assert (again.created, again.updated) == (0, 1)


def test_unreadable_files_raise_one_located_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="not found"):
        store.import_citizens(tmp_path / "missing.csv")
    (tmp_path / "data.json").write_text("{}")
    with pytest.raises(ImportFileError, match="unsupported"):
        store.import_citizens(tmp_path / "data.json")
