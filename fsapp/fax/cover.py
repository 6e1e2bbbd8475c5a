"""A received fax's cover page read for a case reference: the first page through Tesseract OCR, off the hub.

Tesseract (Debian package ``tesseract-ocr``) runs as a program on the :data:`~fsapp.offhub.DOCUMENTS` lane, at a
lower CPU priority and on one core, killed after :data:`OCR_TIMEOUT_S`. Only the first page is read, and only so
much of it: a page is brought to square pixels, at most a fax line wide and :data:`COVER_LINES` long, before
Tesseract sees it. What Tesseract reads is hostile text: only a valid case reference found in it by
:func:`fsapp.notify.inbound.find_reference` (the one e-mail and SMS are read with) leaves this module.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
from pathlib import Path

from PIL import Image

from fsapp.errors import FsappError
from fsapp.fax.documents import A4_LINES, FAX_WIDTH, DocumentError, _check_size, _dpi, _frames, _open_image
from fsapp.notify.inbound import find_reference
from fsapp.offhub import DOCUMENTS, off_hub
from fsapp.speech.audio import lowered

log = logging.getLogger(__name__)

TESSERACT = "tesseract"      # the program (found on PATH)
OCR_TIMEOUT_S = 30           # Tesseract is killed after this long
COVER_LINES = 2 * A4_LINES   # the longest part of the first page read (a long page: its top)
MAX_TEXT = 100_000           # characters of Tesseract's output looked at


class CoverError(FsappError):
    """The cover page could not be read (no Tesseract, a page that cannot be decoded, a failure, a timeout)."""


def cover_page(tiff: Path, max_bytes: int) -> Image.Image:
    """The first page, black and white, in square pixels, at most :data:`FAX_WIDTH` x :data:`COVER_LINES`."""
    try:
        _check_size(tiff, max_bytes)
        with _open_image(tiff) as image:
            first = next(_frames(image, 1), None)
            if first is None:
                raise CoverError(f"{tiff.name} holds no page")
            x_dpi, y_dpi = _dpi(first)
            page = first.convert("L")
    except DocumentError as exc:
        raise CoverError(str(exc)) from exc
    width, height = page.size
    scale = min(1.0, FAX_WIDTH / width)
    size = (max(1, round(width * scale)), max(1, round(height * scale * x_dpi / y_dpi)))
    if size != page.size:
        page = page.resize(size, Image.Resampling.LANCZOS)
    return page.crop((0, 0, size[0], min(size[1], COVER_LINES))).convert("1")


def _tesseract() -> str:
    program = shutil.which(TESSERACT)
    if program is None:
        raise CoverError(f"{TESSERACT} is not installed (Debian package tesseract-ocr)")
    return program


def page_text(page: Image.Image) -> str:
    """What Tesseract reads on ``page`` (at most :data:`MAX_TEXT` characters)."""
    picture = io.BytesIO()
    page.save(picture, "PNG", dpi=(200, 200))
    command = lowered([_tesseract(), "stdin", "stdout", "--psm", "3"])
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}   # one core: the calls need the other
    try:
        done = subprocess.run(command, input=picture.getvalue(), capture_output=True, timeout=OCR_TIMEOUT_S,
                              check=False, env=environment)
    except subprocess.TimeoutExpired as exc:
        raise CoverError(f"{TESSERACT} took more than {OCR_TIMEOUT_S} s") from exc
    except OSError as exc:
        raise CoverError(f"{TESSERACT} could not be run: {exc.strerror}") from exc
    if done.returncode != 0:
        problem = done.stderr[-300:].decode(errors="replace").strip().splitlines()
        raise CoverError(f"{TESSERACT} failed (exit {done.returncode}): {problem[-1] if problem else ''}")
    return done.stdout[:MAX_TEXT * 4].decode(errors="replace")[:MAX_TEXT]


@off_hub(DOCUMENTS)
def cover_reference(tiff: Path, *, max_bytes: int) -> str | None:
    """The case reference (stored form) on the first page of a received fax; None when it quotes none.

    Raises :class:`CoverError` when the page cannot be read."""
    return find_reference(page_text(cover_page(tiff, max_bytes)))
