"""Fax files: a received TIFF becomes a PDF with its pages, a document to send becomes a fax TIFF; hostile files are
refused with a reason, and pages past the limit are left out and counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from fsapp.fax.documents import FAX_DPI, FAX_WIDTH, DocumentError, tiff_pages, tiff_to_pdf, to_fax_tiff
from tests.fax.pages import fax_tiff, letter_pdf

LIMITS = {"max_pages": 50, "max_bytes": 20 * 1024 * 1024}


def pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium
    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def test_a_received_tiff_becomes_a_pdf_of_as_many_pages(tmp_path: Path) -> None:
    converted = tiff_to_pdf(fax_tiff(tmp_path / "in.tif", 3), tmp_path / "out.pdf", **LIMITS)
    assert (converted.pages, converted.pages_in_file, converted.truncated) == (3, 3, False)
    assert pdf_pages(tmp_path / "out.pdf") == 3
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF-")


def test_pages_past_the_limit_are_left_out_and_counted(tmp_path: Path) -> None:
    converted = tiff_to_pdf(fax_tiff(tmp_path / "in.tif", 4), tmp_path / "out.pdf", max_pages=2,
                            max_bytes=LIMITS["max_bytes"])
    assert (converted.pages, converted.pages_in_file, converted.truncated) == (2, 4, True)
    assert pdf_pages(tmp_path / "out.pdf") == 2


@pytest.mark.parametrize("content, why", [
    (b"", "empty"),
    (b"II*\x00" + b"\xff" * 64, "not a picture"),
    (b"<html><script>alert(1)</script>", "not a picture"),
])
def test_what_is_not_a_fax_is_refused_with_a_reason(tmp_path: Path, content: bytes, why: str) -> None:
    bad = tmp_path / "bad.tif"
    bad.write_bytes(content)
    with pytest.raises(DocumentError, match=why):
        tiff_to_pdf(bad, tmp_path / "out.pdf", **LIMITS)
    assert not (tmp_path / "out.pdf").exists()


def test_a_page_no_fax_can_be_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    huge = tmp_path / "bomb.tif"
    Image.new("1", (10000, 8000), 1).save(huge, "TIFF", compression="group4")   # a small file, an 80 Mpixel page
    with pytest.raises(DocumentError, match="not a fax page"):
        tiff_to_pdf(huge, tmp_path / "out.pdf", **LIMITS)


def test_a_file_larger_than_allowed_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="more than the 1000 allowed"):
        tiff_to_pdf(fax_tiff(tmp_path / "in.tif", 2), tmp_path / "out.pdf", max_pages=5, max_bytes=1000)


def test_a_pdf_letter_becomes_a_fax_tiff(tmp_path: Path) -> None:
    converted = to_fax_tiff(letter_pdf(tmp_path / "letter.pdf", 2), tmp_path / "send.tif", **LIMITS)
    assert (converted.pages, converted.pages_in_file) == (2, 2)
    with Image.open(tmp_path / "send.tif") as image:
        assert image.n_frames == 2
        assert image.size[0] == FAX_WIDTH and image.mode == "1"
        assert tuple(round(v) for v in image.info["dpi"]) == FAX_DPI
        assert image.info["compression"] == "group4"
    assert tiff_pages(tmp_path / "send.tif") == 2


def test_a_picture_becomes_a_one_page_fax(tmp_path: Path) -> None:
    Image.new("RGB", (800, 1000), "white").save(tmp_path / "scan.png")
    converted = to_fax_tiff(tmp_path / "scan.png", tmp_path / "send.tif", **LIMITS)
    assert converted.pages == 1


def test_a_broken_pdf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"garbage" * 50)
    with pytest.raises(DocumentError, match="not a readable PDF"):
        to_fax_tiff(tmp_path / "broken.pdf", tmp_path / "send.tif", **LIMITS)


def test_an_unreadable_tiff_counts_no_pages(tmp_path: Path) -> None:
    (tmp_path / "x.tif").write_bytes(b"nothing")
    assert tiff_pages(tmp_path / "x.tif") == 0


def test_conversions_leave_the_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gevent

    from fsapp import offhub
    from fsapp.fax import documents

    where: list[bool] = []
    checked = documents._check_size
    monkeypatch.setattr(documents, "_check_size", lambda *args: where.append(offhub.on_worker()) or checked(*args))
    tiff = fax_tiff(tmp_path / "in.tif", 1)
    gevent.spawn(tiff_to_pdf, tiff, tmp_path / "out.pdf", **LIMITS).get(timeout=30)
    gevent.spawn(to_fax_tiff, tiff, tmp_path / "send.tif", **LIMITS).get(timeout=30)
    assert where == [True, True]   # both ran on the documents lane's thread, not on the hub
