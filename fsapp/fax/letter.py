"""A one-page letter about a case, to fax when no document is given: the reference, what the case is, where it stands.

The letter carries no description or note (they may hold what the citizen told in confidence and a fax number is
easy to mistype); it tells the reader which reference to quote and where to fax back.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from fsapp.fax.documents import A4_LINES, FAX_DPI, FAX_WIDTH
from fsapp.offhub import DOCUMENTS, off_hub
from fsapp.store import CaseSummary, display_reference
from fsapp.switch.dialstring import clean_text

MARGIN = 140
LINE = 70


def letter_lines(case: CaseSummary, sender: str, reply_number: str) -> list[str]:
    """What the letter says, line by line (every value from the store cleaned and bounded)."""
    reference = display_reference(case.reference)
    lines = [clean_text(sender, 60) or "Contact center", "", f"Case {reference}", "",
             f"Category: {clean_text(case.category, 80)}", f"Status: {clean_text(case.status, 40)}",
             f"Received: {case.received_at:%Y-%m-%d}"]
    if case.deadline is not None:
        lines.append(f"Expected by: {case.deadline:%Y-%m-%d}")
    lines += ["", f"Please quote {reference} on everything you send us about this case."]
    if reply_number:
        lines.append(f"Fax us at {reply_number}, with {reference} as your fax machine's station id if you can.")
    return lines


@off_hub(DOCUMENTS)
def write_letter(lines: list[str], target: Path) -> Path:
    """One fax page (1728 wide, 204x196 dpi) with ``lines``, as a PNG ``to_fax_tiff`` takes."""
    page = Image.new("L", (FAX_WIDTH, A4_LINES), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=40)
    for number, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + number * LINE), line, fill=0, font=font)
    target.parent.mkdir(parents=True, exist_ok=True)
    page.save(target, "PNG", dpi=FAX_DPI)
    return target
