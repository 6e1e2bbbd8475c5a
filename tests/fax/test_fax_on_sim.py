"""The published fax number on the simulated switch, through the real controller: a fax becomes a contact with its
PDF, linked to the sender's citizen and (verified) case; a partial or failed fax is kept with what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsapp.controller import Controller
from fsapp.sim import CallerScript, FaxMachine, SimulatedSwitch
from fsapp.store import display_reference
from tests.api.api_waits import wait_until
from tests.fax.conftest import FAX_NUMBER
from tests.fax.pages import fax_tiff
from tests.fax.test_fax_documents import pdf_pages

WAIT = 60.0


def send_fax(sim: SimulatedSwitch, caller: str, machine: FaxMachine) -> str:
    return sim.place_call(caller, destination=FAX_NUMBER, entry="fax", script=CallerScript(fax=machine))


def kept(controller: Controller, count: int = 1) -> list[int]:
    return wait_until(lambda: len(controller.fax.received) >= count and controller.fax.received, WAIT, "the fax kept")


def test_a_fax_quoting_the_senders_case_lands_on_it_as_a_pdf(sim: SimulatedSwitch, fax_controller, tmp_path) -> None:
    controller = fax_controller()
    store = controller.store
    kari = store.add_citizen("Kari Nordmann", ["+4790000401"])
    store.add_category("building", "Building permits")
    case = store.new_case("building", "Extension", "agent", citizen_id=kari.id)
    machine = FaxMachine(fax_tiff(tmp_path / "send.tif", 3), station_id=display_reference(case.reference))
    uuid = send_fax(sim, "+4790000401", machine)
    [interaction] = kept(controller)
    contact = store.interaction(interaction)
    assert (contact["channel"], contact["direction"], contact["citizen_id"]) == ("fax", "in", kari.id)
    assert contact["case_reference"] == case.reference and contact["unverified_case"] is None
    assert "3 pages, OK" in contact["body"]
    [pdf] = store.contact_files(interaction)
    assert (pdf["content_type"], pdf["pages"]) == ("application/pdf", 3)
    assert pdf_pages(Path(pdf["path"])) == 3
    assert [a.filename for a in store.get_case(case.reference).attachments] == [pdf["filename"]]
    assert sim.wait_gone(uuid, 10)                             # fsapp hung up once the fax was in
    assert not list((tmp_path / "faxes").rglob("*.*"))      # the spool is empty: the store keeps the files


def test_a_case_quoted_by_someone_else_waits_for_an_operator(sim: SimulatedSwitch, fax_controller, tmp_path) -> None:
    controller = fax_controller()
    store = controller.store
    kari = store.add_citizen("Kari Nordmann", ["+4790000401"])
    store.add_category("building", "Building permits")
    case = store.new_case("building", "Extension", "agent", citizen_id=kari.id)
    send_fax(sim, "+4790000999", FaxMachine(fax_tiff(tmp_path / "send.tif", 1), station_id=case.reference))
    [interaction] = kept(controller)
    contact = store.interaction(interaction)
    assert contact["case_reference"] is None and contact["unverified_case"] == case.reference
    assert store.get_case(case.reference).attachments == ()
    assert [c["id"] for c in store.unverified_contacts()] == [interaction]


def test_a_fax_cut_off_half_way_keeps_the_pages_that_came(sim: SimulatedSwitch, fax_controller, tmp_path) -> None:
    controller = fax_controller()
    machine = FaxMachine(fax_tiff(tmp_path / "send.tif", 3), station_id="FAX 1", hang_up_after_pages=1)
    send_fax(sim, "+4790000402", machine)
    [interaction] = kept(controller)
    contact = controller.store.interaction(interaction)
    assert "1 page, failed: The call dropped prematurely (T.30 code 49)" in contact["body"]
    [pdf] = controller.store.contact_files(interaction)
    assert pdf["pages"] == 1 and pdf_pages(Path(pdf["path"])) == 1


def test_a_phone_calling_the_fax_number_is_kept_as_a_failed_fax(sim: SimulatedSwitch, fax_controller) -> None:
    controller = fax_controller()
    sim.place_call("+4790000403", destination=FAX_NUMBER, entry="fax", script=CallerScript())
    [interaction] = kept(controller)
    contact = controller.store.interaction(interaction)
    assert "Timed out waiting for initial communication" in contact["body"]
    assert controller.store.contact_files(interaction) == []


@pytest.mark.parametrize("caller, station", [
    ("+4790000404\r\nUnique-ID: forged", "\x00\x1b[2J" + "9" * 3000),
    ("'; DROP TABLE interaction; --", "../../etc/passwd"),
    ("anonymous", "${system(touch /tmp/pwned)}"),
])
def test_hostile_caller_ids_and_station_ids_are_kept_harmlessly(sim: SimulatedSwitch, fax_controller, tmp_path,
                                                                caller: str, station: str) -> None:
    controller = fax_controller()
    send_fax(sim, caller, FaxMachine(fax_tiff(tmp_path / "send.tif", 2), station_id=station))
    [interaction] = kept(controller)
    contact = controller.store.interaction(interaction)
    assert contact["channel"] == "fax" and contact["citizen_id"] is None
    assert len(contact["subject"]) <= 300 and not any(ord(c) < 32 for c in contact["subject"])
    assert "\r" not in contact["address"] and "\n" not in contact["address"]
    [pdf] = controller.store.contact_files(interaction)
    assert Path(pdf["path"]).parent.parent.name == "contacts"          # fsapp named the file, not the sender
    assert ".." not in pdf["path"] and "passwd" not in pdf["path"]
    assert pdf["pages"] == 2
    assert not Path("/tmp/pwned").exists()


def test_the_channels_report_counts_faxes(sim: SimulatedSwitch, fax_controller, tmp_path) -> None:
    from fsapp.reports import build_report

    controller = fax_controller()
    send_fax(sim, "+4790000405", FaxMachine(fax_tiff(tmp_path / "send.tif", 1)))
    kept(controller)
    now = controller.utc_now()
    from datetime import timedelta
    table = build_report(controller.store, "channels", now - timedelta(hours=1), now + timedelta(hours=1),
                         zone=controller.zone)
    assert ["fax", 1, 0, 1] in table.rows


def test_a_fax_under_way_when_the_controller_restarts_is_kept_when_it_ends(sim: SimulatedSwitch, fax_controller,
                                                                         tmp_path) -> None:
    from tests.integration.conftest import crash

    first = fax_controller()
    uuid = send_fax(sim, "+4790000406", FaxMachine(fax_tiff(tmp_path / "send.tif", 3), station_id="FAX 6"))
    wait_until(lambda: sim.channel(uuid).variables.get("fax_filename"), WAIT, "rxfax under way")
    crash(first)
    second = fax_controller()
    [interaction] = kept(second)
    contact = second.store.interaction(interaction)
    assert "the controller restarted during the fax" in contact["body"]
    [pdf] = second.store.contact_files(interaction)
    assert pdf["pages"] == 3                                  # the pages the switch wrote meanwhile
    assert first.fax.received == []
