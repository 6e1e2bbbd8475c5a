"""``fsapp fax send`` on the simulated switch: a case's document is faxed through the dial-string seam and the attempt
is kept on the case, sent or not; hostile numbers and files are refused before anything is dialled."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import cli
from fsapp.sim import CallerScript, FaxMachine, SimulatedSwitch
from fsapp.store import Store, make_reference, open_store
from tests.fax.pages import fax_tiff, letter_pdf
from tests.fax.test_fax_documents import pdf_pages

NUMBER = "+4790000601"


@pytest.fixture
def setup(sim: SimulatedSwitch, tmp_path: Path) -> tuple[Path, Store, str]:
    host, port = sim.address
    database = f"sqlite:///{tmp_path / 'fsapp.db'}"
    config = tmp_path / "fsapp.yaml"
    config.write_text(yaml.safe_dump({
        "switch": {"host": host, "port": port, "password": "ClueCon"}, "database": {"url": database},
        "register": {"file": str(tmp_path / "register.yaml")}, "paths": {"faxes": str(tmp_path / "faxes")},
        "outbound": {"gateway": "pstn", "caller_id_number": "4721000000"},
        "fax": {"station_id": "+47 21 00 00 99", "header": "Servicetorget"}}))
    store = open_store(database, region="NO")
    store.add_category("building", "Building permits")
    kari = store.add_citizen("Kari Nordmann", [NUMBER])
    return config, store, store.new_case("building", "Extension", "agent", citizen_id=kari.id).reference


def fax_send(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, ["--config", str(config), "fax", "send", *args], env={"FSAPP_ACTOR": "anna"})
    return result.exit_code, result.output


def test_a_letter_reaches_the_fax_machine_and_is_kept_on_the_case(sim: SimulatedSwitch, setup, tmp_path) -> None:
    config, store, reference = setup
    machine = FaxMachine(station_id="+47 90 00 06 01", receive_dir=tmp_path / "machine")
    sim.add_endpoint(NUMBER, fax=machine)
    parked = sim.place_call("+4790000777", entry="main", script=CallerScript())   # a caller the controller has
    status, output = fax_send(config, "--case", reference, "--number", "900 00 601",
                              str(letter_pdf(tmp_path / "letter.pdf", 2)), "--json")
    assert status == 0, output
    answer = json.loads(output)
    assert (answer["success"], answer["pages"], answer["pages_sent"], answer["number"]) == (True, 2, 2, NUMBER)
    [received] = machine.received
    assert pdf_pages(_as_pdf(received, tmp_path)) == 2
    [dialled] = [o for o in sim.core.originated]
    assert dialled.dial == f"sofia/gateway/pstn/{NUMBER}"
    contact = store.interaction(answer["interaction"])
    assert (contact["channel"], contact["direction"], contact["case_reference"], contact["agent"]) == (
        "fax", "out", reference, "anna")
    [pdf] = store.contact_files(answer["interaction"])
    assert pdf["pages"] == 2 and pdf["content_type"] == "application/pdf"
    assert [n.text for n in store.get_case(reference).notes] == [f"Fax to {NUMBER}: 2 pages, OK"]
    assert parked in sim.channels                         # the command left the controller's caller alone
    assert not list((tmp_path / "faxes").rglob("*.*"))   # the spool is empty


def _as_pdf(tiff: Path, tmp_path: Path) -> Path:
    from fsapp.fax.documents import tiff_to_pdf
    return tiff_to_pdf(tiff, tmp_path / "check.pdf", max_pages=10, max_bytes=10 ** 7).path


def test_a_refusing_machine_is_kept_as_a_failed_fax(sim: SimulatedSwitch, setup, tmp_path) -> None:
    config, store, reference = setup
    sim.add_endpoint(NUMBER, fax=FaxMachine(refuse_code=9))
    status, output = fax_send(config, "--case", reference, "--number", NUMBER,
                              str(fax_tiff(tmp_path / "doc.tif", 1)), "--json")
    assert status == 1
    answer = json.loads(output)
    assert (answer["success"], answer["result"], answer["code"]) == (False, "Far end is not able to receive", 9)
    assert store.get_case(reference).notes[0].text.startswith(f"Fax to {NUMBER}: 0 of 1 pages, failed")


def test_a_busy_number_is_kept_as_not_answered(sim: SimulatedSwitch, setup, tmp_path) -> None:
    config, store, reference = setup
    sim.add_endpoint(NUMBER, behaviour="busy")
    status, output = fax_send(config, "--case", reference, "--number", NUMBER,
                              str(fax_tiff(tmp_path / "doc.tif", 1)), "--json")
    assert status == 1
    assert "USER_BUSY" in json.loads(output)["result"]
    [contact] = store.interactions(case_reference=reference)
    assert contact["direction"] == "out" and "USER_BUSY" in contact["body"]


@pytest.mark.parametrize("number, why", [
    (f"{NUMBER},sofia/gateway/evil/1", "not a phone number"),
    (f"{NUMBER}\nUnique-ID: x", "not a phone number"),
    ("820 12 345", "not a valid phone number|premium"),
    ("${system(id)}", "not a phone number"),
])
def test_hostile_numbers_are_refused_before_anything_is_dialled(sim: SimulatedSwitch, setup, tmp_path,
                                                                number: str, why: str) -> None:
    config, store, reference = setup
    status, output = fax_send(config, "--case", reference, "--number", number, str(fax_tiff(tmp_path / "d.tif", 1)))
    assert status != 0
    assert re.search(why, output), output
    assert not sim.core.originated and store.interactions(case_reference=reference) == []


@pytest.mark.parametrize("content, why", [(b"<script>", "not a picture"), (b"", "empty")])
def test_what_is_not_a_document_is_refused(sim: SimulatedSwitch, setup, tmp_path, content: bytes, why: str) -> None:
    config, store, reference = setup
    bad = tmp_path / "evil;rm -rf.pdf"
    bad.write_bytes(content)
    status, output = fax_send(config, "--case", reference, "--number", NUMBER, str(bad))
    assert status != 0 and why in output
    assert not sim.core.originated


def test_an_unknown_case_is_refused(sim: SimulatedSwitch, setup, tmp_path) -> None:
    config, _, reference = setup
    missing = make_reference(2000 + int(reference[:2]), 99)
    status, output = fax_send(config, "--case", missing, "--number", NUMBER, str(fax_tiff(tmp_path / "d.tif", 1)))
    assert status != 0 and f"no case {missing}" in output
    assert not sim.core.originated


def test_without_a_document_a_letter_about_the_case_is_sent(sim: SimulatedSwitch, setup, tmp_path) -> None:
    from PIL import Image

    config, store, reference = setup
    machine = FaxMachine(receive_dir=tmp_path / "machine")
    sim.add_endpoint(NUMBER, fax=machine)
    status, output = fax_send(config, "--case", reference, "--number", NUMBER, "--json")
    assert status == 0, output
    assert json.loads(output)["pages_sent"] == 1
    [received] = machine.received
    with Image.open(received) as page:
        assert page.n_frames == 1 and page.convert("L").getextrema()[0] == 0   # something is written on it


def test_the_letter_names_the_case_and_leaves_out_what_the_citizen_said(setup) -> None:
    from fsapp.fax.letter import letter_lines
    from fsapp.store import display_reference

    _, store, reference = setup
    store.add_category("evil", "Roads\r\nX-Injected: 1\x00")
    case = store.new_case("evil", "My neighbour's name is ...", "agent")
    lines = letter_lines(store.case_status(case.reference), "Servicetorget", "+4721000099")
    text = "\n".join(lines)
    assert f"Case {display_reference(case.reference)}" in lines and "+4721000099" in text
    assert "neighbour" not in text
    assert not any(ord(c) < 32 for line in lines for c in line)


def test_fax_list_shows_the_faxes_with_their_case_and_pages(sim: SimulatedSwitch, setup, tmp_path) -> None:
    config, store, reference = setup
    sim.add_endpoint(NUMBER, fax=FaxMachine())
    assert fax_send(config, "--case", reference, "--number", NUMBER, str(fax_tiff(tmp_path / "d.tif", 2)))[0] == 0
    result = CliRunner().invoke(cli.main, ["--config", str(config), "fax", "list", "--json"])
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.output.splitlines()]
    assert (row["direction"], row["case_reference"], row["pages"], row["address"]) == ("out", reference, 2, NUMBER)
