"""What mod_spandsp says of a fax, read from the variables it sets before ``rxfax``/``txfax`` completes.

``spandsp_fax.c`` sets ``fax_success`` (``1``/``0``), ``fax_result_code`` (the T.30 completion code),
``fax_result_text``, ``fax_document_transferred_pages``, ``fax_document_total_pages``,
``fax_remote_station_id``, ``fax_local_station_id``, ``fax_transfer_rate`` and more on the channel, so they
arrive with the application's CHANNEL_EXECUTE_COMPLETE (the same values it puts in ``spandsp::rxfaxresult`` /
``spandsp::txfaxresult``). Every value is the far end's to choose (the station identifier is what the sender's
machine says): each is bounded and cleaned before it is kept or shown. No variable at all means the fax never
started (the application failed, or the caller hung up first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fsapp.switch.dialstring import clean_text

STATION_LIMIT = 40     # T.30 allows 20 characters; a hostile switch or sender gets no more than this kept
TEXT_LIMIT = 200
MAX_COUNT = 100000


def _count(value: str | None) -> int:
    text = (value or "").strip()
    return min(int(text), MAX_COUNT) if text.isdigit() and len(text) < 10 else 0


def _code(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) < 10 else None


@dataclass(frozen=True)
class FaxResult:
    """The outcome of one fax as the switch reported it (cleaned)."""

    success: bool
    code: int | None                  # T.30 completion code (0: OK); None when the fax never started
    text: str                         # e.g. "OK", "Far end cannot receive at the resolution of the image"
    pages: int = 0                    # pages transferred
    total_pages: int = 0              # pages in the document (as the sender announced, or in the file sent)
    remote_station: str = ""
    local_station: str = ""
    transfer_rate: int = 0

    @classmethod
    def from_variables(cls, variable: Callable[[str], str | None], response: str | None = None) -> FaxResult:
        """Read the result from ``variable(name)`` (an event's :meth:`~fsapp.esl.events.Event.variable`);
        ``response`` (Application-Response) explains a fax that never started."""
        success = variable("fax_success")
        code = _code(variable("fax_result_code"))
        text = clean_text(variable("fax_result_text") or "", TEXT_LIMIT)
        if success is None and code is None:
            why = clean_text(response or "", TEXT_LIMIT) if response and response != "_none_" else ""
            text = text or why or "the fax did not start"
        return cls(success=success == "1" and code == 0, code=code, text=text or "unknown",
                   pages=_count(variable("fax_document_transferred_pages")),
                   total_pages=_count(variable("fax_document_total_pages")),
                   remote_station=clean_text(variable("fax_remote_station_id") or "", STATION_LIMIT),
                   local_station=clean_text(variable("fax_local_station_id") or "", STATION_LIMIT),
                   transfer_rate=_count(variable("fax_transfer_rate")))

    @classmethod
    def not_started(cls, why: str) -> FaxResult:
        return cls(success=False, code=None, text=clean_text(why, TEXT_LIMIT) or "the fax did not start")

    def summary(self) -> str:
        """One line for a contact: ``received 3 of 3 pages: OK`` and the like."""
        of = f" of {self.total_pages}" if self.total_pages and self.total_pages != self.pages else ""
        state = "OK" if self.success else f"failed: {self.text}" + (f" (T.30 code {self.code})" if self.code else "")
        return f"{self.pages}{of} page{'s' if self.pages != 1 or of else ''}, {state}"
