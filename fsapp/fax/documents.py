"""Fax documents: a received TIFF as a PDF, and a PDF, TIFF or picture as the TIFF ``txfax`` sends (no I/O but files).

Both run on the :data:`~fsapp.offhub.DOCUMENTS` lane (CPU work that would stop every call on the hub). Files from
outside are hostile: a page larger than a fax page can be is refused before it is decoded (a "decompression bomb"),
a file too large or not a picture is refused with :class:`DocumentError`, and pages past ``max_pages`` are left out
(the caller is told how many there were).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from fsapp.errors import FsappError
from fsapp.offhub import DOCUMENTS, off_hub

log = logging.getLogger(__name__)

FAX_WIDTH = 1728               # pixels of a fax line (A4 at 204 dpi)
FAX_DPI = (204, 196)           # fine resolution
A4_LINES = 2292                # lines of an A4 page at 196 dpi
MAX_PAGE_PIXELS = 4864 * 14000   # the largest page we decode (B4 at 400 dpi, a long page): more is refused
PDF_MAGIC = b"%PDF-"


class DocumentError(FsappError):
    """A file that cannot be read or made into a fax document."""


@dataclass(frozen=True)
class Converted:
    """What a conversion wrote: ``pages`` kept of ``pages_in_file``."""

    path: Path
    pages: int
    pages_in_file: int

    @property
    def truncated(self) -> bool:
        return self.pages < self.pages_in_file


def _check_size(path: Path, max_bytes: int) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"cannot read {path.name}: {exc.strerror}") from exc
    if size == 0:
        raise DocumentError(f"{path.name} is empty")
    if size > max_bytes:
        raise DocumentError(f"{path.name} has {size} bytes, more than the {max_bytes} allowed")


def _open_image(path: Path) -> Image.Image:
    try:
        image = Image.open(path)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DocumentError(f"{path.name} is not a picture or TIFF fax: {exc}") from exc
    return image


def _frames(image: Image.Image, max_pages: int) -> Iterator[Image.Image]:
    """The first ``max_pages`` frames, each checked for size before it is decoded."""
    for number, frame in enumerate(ImageSequence.Iterator(image)):
        if number >= max_pages:
            return
        width, height = frame.size
        if width <= 0 or height <= 0 or width * height > MAX_PAGE_PIXELS:
            raise DocumentError(f"page {number + 1} is {width}x{height} pixels: not a fax page")
        try:
            frame.load()
        except (OSError, ValueError, SyntaxError) as exc:
            raise DocumentError(f"page {number + 1} cannot be decoded: {exc}") from exc
        yield frame


def _frame_count(image: Image.Image) -> int:
    return int(getattr(image, "n_frames", 1) or 1)


def _dpi(frame: Image.Image) -> tuple[float, float]:
    dpi = frame.info.get("dpi")
    try:
        x, y = (float(value) for value in dpi) if dpi else FAX_DPI
    except (TypeError, ValueError):
        return FAX_DPI
    return (x, y) if 50 <= x <= 1200 and 50 <= y <= 1200 else FAX_DPI


@off_hub(DOCUMENTS)
def tiff_pages(path: Path) -> int:
    """How many pages a TIFF holds (0 when it cannot be read)."""
    try:
        with Image.open(path) as image:
            return _frame_count(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return 0


@off_hub(DOCUMENTS)
def tiff_to_pdf(tiff: Path, pdf: Path, *, max_pages: int, max_bytes: int) -> Converted:
    """Write the pages of a received fax (TIFF) as one PDF; each page keeps its size at the fax's resolution."""
    _check_size(tiff, max_bytes)
    with _open_image(tiff) as image:
        in_file = _frame_count(image)
        pages = [frame.convert("1") if frame.mode not in ("1", "L") else frame.copy()
                 for frame in _frames(image, max_pages)]
        if not pages:
            raise DocumentError(f"{tiff.name} holds no page")
        dpi = _dpi(image)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    scratch = pdf.with_name(pdf.name + ".tmp")
    pages[0].save(scratch, "PDF", save_all=True, append_images=pages[1:], dpi=dpi)
    scratch.replace(pdf)
    return Converted(pdf, len(pages), in_file)


def _fax_page(page: Image.Image) -> Image.Image:
    """A page as a fax line sees it: 1728 pixels wide at 204x196 dpi, black and white."""
    grey = page.convert("L")
    width, height = grey.size
    lines = max(1, round(height * FAX_WIDTH / width * FAX_DPI[1] / FAX_DPI[0]))
    return grey.resize((FAX_WIDTH, min(lines, 4 * A4_LINES)), Image.Resampling.LANCZOS).convert("1")


def _pdf_pages(path: Path, max_pages: int) -> tuple[list[Image.Image], int]:
    import pypdfium2 as pdfium   # only when a PDF is sent

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"{path.name} is not a readable PDF: {exc}") from exc
    try:
        in_file = len(document)
        pages = []
        for index in range(min(in_file, max_pages)):
            page = document[index]
            width_points = page.get_width()
            if not 0 < width_points < 5000 or not 0 < page.get_height() < 20000:
                raise DocumentError(f"page {index + 1} of {path.name} is not a page size")
            pages.append(page.render(scale=FAX_DPI[0] / 72).to_pil())
        return pages, in_file
    finally:
        document.close()


@off_hub(DOCUMENTS)
def to_fax_tiff(source: Path, target: Path, *, max_pages: int, max_bytes: int) -> Converted:
    """Make the TIFF ``txfax`` sends (Group 4, 204x196 dpi, 1728 wide) from a PDF, a TIFF or a picture."""
    _check_size(source, max_bytes)
    with source.open("rb") as handle:
        is_pdf = handle.read(len(PDF_MAGIC)) == PDF_MAGIC
    if is_pdf:
        originals, in_file = _pdf_pages(source, max_pages)
        pages = [_fax_page(page) for page in originals]
    else:
        with _open_image(source) as image:
            in_file = _frame_count(image)
            pages = [_fax_page(frame) for frame in _frames(image, max_pages)]
    if not pages:
        raise DocumentError(f"{source.name} holds no page")
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(target.name + ".tmp")
    pages[0].save(scratch, "TIFF", save_all=True, append_images=pages[1:], compression="group4", dpi=FAX_DPI)
    scratch.replace(target)
    return Converted(target, len(pages), in_file)
