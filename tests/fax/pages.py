"""Fax pages for tests: multi-page TIFFs (and PDFs) whose pages can be told apart."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

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
