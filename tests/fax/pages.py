"""Fax pages for tests: multi-page TIFFs (and PDFs) whose pages can be told apart."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1728, 2292


def page(number: int, text: str = "") -> Image.Image:
    image = Image.new("1", (WIDTH, HEIGHT), 1)
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100 + 150 * number, 900, 200 + 150 * number), fill=0)   # where the bar is tells the page
    draw.text((100, 60), text or f"page {number}", fill=0)
    return image


def fax_tiff(path: Path, pages: int, text: str = "") -> Path:
    """A Group 4 TIFF of ``pages`` pages at 204x196 dpi, as a fax machine sends it."""
    images = [page(n, text) for n in range(1, pages + 1)]
    images[0].save(path, "TIFF", save_all=True, append_images=images[1:], compression="group4", dpi=(204, 196))
    return path


def letter_pdf(path: Path, pages: int) -> Path:
    """An A4 PDF of ``pages`` pages (a letter to send)."""
    images = [page(n).convert("L").resize((595, 842)) for n in range(1, pages + 1)]
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return path


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def cover_tiff(path: Path, lines: list[str], height: int = HEIGHT, pages: int = 1) -> Path:
    """A fax whose first page is a typed cover page (DejaVu Sans, about 14 pt at 204x196 dpi) saying ``lines``,
    then ``pages - 1`` plain pages; a ``height`` beyond an A4 page makes it a long page."""
    cover = Image.new("1", (WIDTH, height), 1)
    draw = ImageDraw.Draw(cover)
    font = ImageFont.truetype(FONT, 40)
    for number, line in enumerate(lines):
        draw.text((150, 200 + 100 * number), line, font=font, fill=0)
    rest = [page(n) for n in range(2, pages + 1)]
    cover.save(path, "TIFF", save_all=True, append_images=rest, compression="group4", dpi=(204, 196))
    return path
