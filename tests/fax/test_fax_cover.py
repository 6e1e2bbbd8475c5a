"""A received fax's cover page read for a case reference (Tesseract), through the real controller on the simulated
switch: the reference threads the fax as the station id's does; no Tesseract, a failure or hostile text loses
nothing."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from PIL import Image

from fsapp.controller import Controller
from fsapp.fax import cover
from fsapp.fax.documents import A4_LINES, FAX_WIDTH
from fsapp.sim import FaxMachine, SimulatedSwitch
from fsapp.store import display_reference, make_reference
from tests.fax.pages import HEIGHT, cover_tiff
from tests.fax.test_fax_documents import pdf_pages
from tests.fax.test_fax_on_sim import kept, send_fax

KARI = "+4790000401"


def karis_case(controller: Controller) -> str:
    store = controller.store
    kari = store.add_citizen("Kari Nordmann", [KARI])
    store.add_category("building", "Building permits")
    return store.new_case("building", "Extension", "agent", citizen_id=kari.id).reference


def cover_lines(reference: str) -> list[str]:
    return ["FAX COVER PAGE", "To: Building permits", f"Your reference: {display_reference(reference)}", "Pages: 2"]


def fake_tesseract(tmp_path: Path, output: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tesseract replaced by a program that reads the page and prints ``output``."""
    (tmp_path / "ocr-output").write_bytes(output)
    program = tmp_path / "fake-tesseract"
    program.write_text(f"#!/bin/sh\ncat >/dev/null\ncat '{tmp_path / 'ocr-output'}'\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(cover, "TESSERACT", str(program))


def test_a_cover_page_quoting_the_senders_case_lands_on_it(sim: SimulatedSwitch, fax_controller, tmp_path) -> None:
    controller = fax_controller()
    reference = karis_case(controller)
    send_fax(sim, KARI, FaxMachine(cover_tiff(tmp_path / "send.tif", cover_lines(reference), pages=2),
                                   station_id="FAX 1"))
    [interaction] = kept(controller)
    contact = controller.store.interaction(interaction)
    assert contact["case_reference"] == reference and contact["unverified_case"] is None
    assert f"Case reference on the cover page: {display_reference(reference)}" in contact["body"]
    [pdf] = controller.store.contact_files(interaction)
    assert pdf_pages(Path(pdf["path"])) == 2
    assert [a.filename for a in controller.store.get_case(reference).attachments] == [pdf["filename"]]


def test_a_cover_page_quoting_someone_elses_case_waits_for_an_operator(sim: SimulatedSwitch, fax_controller,
                                                                        tmp_path) -> None:
    controller = fax_controller()
    reference = karis_case(controller)
    send_fax(sim, "+4790000999", FaxMachine(cover_tiff(tmp_path / "send.tif", cover_lines(reference))))
    [interaction] = kept(controller)
    contact = controller.store.interaction(interaction)
    assert contact["case_reference"] is None and contact["unverified_case"] == reference
    assert controller.store.get_case(reference).attachments == ()
    assert [c["id"] for c in controller.store.unverified_contacts()] == [interaction]
    assert cover.find_reference("Fax from +4790000999") is None   # the caller's number is no case reference


def test_a_cover_page_without_a_reference_links_nothing(sim: SimulatedSwitch, fax_controller, tmp_path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    controller = fax_controller()
    reference = karis_case(controller)
    lines = ["FAX COVER PAGE", "To: Building permits", "About my extension", "Pages: 1"]
    with caplog.at_level(logging.INFO, logger="fsapp.fax"):
        uuid = send_fax(sim, KARI, FaxMachine(cover_tiff(tmp_path / "send.tif", lines)))
        [interaction] = kept(controller)
    contact = controller.store.interaction(interaction)
    assert contact["case_reference"] is None and contact["unverified_case"] is None
    assert "cover page" not in contact["body"] and controller.store.get_case(reference).attachments == ()
    said = [r.getMessage() for r in caplog.records if "cover page" in r.getMessage()]
    assert said == [f"call {uuid}: the fax's cover page quotes no case"]   # read, and nothing found


def test_without_tesseract_the_fax_is_kept_as_before(sim: SimulatedSwitch, fax_controller, tmp_path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(cover, "TESSERACT", "fsapp-no-such-tesseract")
    controller = fax_controller()
    reference = karis_case(controller)
    with caplog.at_level(logging.WARNING, logger="fsapp.fax"):
        uuid = send_fax(sim, KARI, FaxMachine(cover_tiff(tmp_path / "send.tif", cover_lines(reference), pages=2)))
        [interaction] = kept(controller)
    contact = controller.store.interaction(interaction)
    assert contact["case_reference"] is None and contact["unverified_case"] is None
    assert "2 pages, OK" in contact["body"]
    [pdf] = controller.store.contact_files(interaction)
    assert pdf["pages"] == 2 and pdf_pages(Path(pdf["path"])) == 2
    [warning] = [r.getMessage() for r in caplog.records if "cover page was not read" in r.getMessage()]
    assert uuid in warning and "fsapp-no-such-tesseract is not installed" in warning


def test_a_failing_tesseract_is_a_cover_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = tmp_path / "broken-tesseract"
    program.write_text("#!/bin/sh\necho 'Error in pixReadMem' >&2\nexit 1\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(cover, "TESSERACT", str(program))
    with pytest.raises(cover.CoverError, match="failed .exit 1.: Error in pixReadMem"):
        cover.cover_reference(cover_tiff(tmp_path / "in.tif", ["24-00001-3"]), max_bytes=10_000_000)  # any-date-ok


def test_hostile_ocr_text_yields_only_a_clean_reference(sim: SimulatedSwitch, fax_controller, tmp_path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    controller = fax_controller()
    reference = karis_case(controller)
    shown = display_reference(reference).encode()
    fake_tesseract(tmp_path, b"\x1b]0;owned\x07\x1b[2J\x00Ref:\x08 " + shown + b"\r\x00\xff\xfe" + b"x" * 3_000_000,
                   monkeypatch)
    send_fax(sim, KARI, FaxMachine(cover_tiff(tmp_path / "send.tif", ["anything"])))
    [interaction] = kept(controller)
    contact = controller.store.interaction(interaction)
    assert contact["case_reference"] == reference
    assert all(char == "\n" or char >= " " for char in contact["body"])   # only the reference left the OCR text
    assert "owned" not in contact["body"] and len(contact["body"]) < 500


def test_a_reference_broken_by_control_characters_is_not_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = make_reference(24, 1)   # any-date-ok: a parser's input, never looked up
    assert display_reference(reference) == "24-00001-3" and cover.find_reference("24-00001-3") == reference
    fake_tesseract(tmp_path, b"24\x00-00001\x1b-3 2400\x0700013", monkeypatch)
    assert cover.cover_reference(cover_tiff(tmp_path / "in.tif", ["x"]), max_bytes=10_000_000) is None


def test_a_long_page_is_read_at_its_top_within_bounds(sim: SimulatedSwitch, fax_controller, tmp_path) -> None:
    controller = fax_controller()
    reference = karis_case(controller)
    send_fax(sim, KARI, FaxMachine(cover_tiff(tmp_path / "send.tif", cover_lines(reference), height=4 * HEIGHT)))
    [interaction] = kept(controller)
    assert controller.store.interaction(interaction)["case_reference"] == reference
    big = tmp_path / "big.tif"
    Image.new("1", (4864, 14000), 1).save(big, "TIFF", compression="group4", dpi=(400, 400))
    page = cover.cover_page(big, 10_000_000)
    assert page.size[0] <= FAX_WIDTH and page.size[1] <= cover.COVER_LINES <= 2 * A4_LINES


def test_a_page_larger_than_a_fax_page_is_not_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.tif"
    Image.new("1", (10000, 10000), 1).save(huge, "TIFF", compression="group4", dpi=(204, 196))
    with pytest.raises(cover.CoverError, match="not a fax page"):
        cover.cover_reference(huge, max_bytes=10_000_000)
