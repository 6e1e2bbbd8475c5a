"""The published fax number: answer, receive with ``rxfax``, keep the fax as a contact with its PDF.

The dialplan parks calls to ``fax.number`` with ``fsapp_entry=fax``; :meth:`FaxInbox.serve` runs for each. The
TIFF goes to a file fsapp names under ``paths.faxes``; once the switch reports the result, the TIFF becomes a PDF
(off the hub) and the fax a contact on channel ``fax`` through :func:`fsapp.notify.inbound.receive`, the seam every
inbound message passes: the caller's number finds the citizen, a case reference in the sender's station identifier
(else one read on the cover page, :mod:`fsapp.fax.cover`) links the case when the caller is that case's citizen,
else marks it for an operator. A fax that failed, stopped
half way or could not be converted is kept all the same, with what the switch said and whatever pages arrived.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from fsapp.config import Config
from fsapp.esl.errors import ChannelGone, ConnectionLost, ESLError
from fsapp.errors import FsappError
from fsapp.fax.cover import CoverError, cover_reference
from fsapp.fax.documents import Converted, DocumentError, tiff_pages, tiff_to_pdf
from fsapp.fax.result import FaxResult
from fsapp.fax.spool import remove_quietly, spool_path
from fsapp.notify.inbound import CaseRule, find_reference, receive
from fsapp.phones import normalize_phone
from fsapp.store import Store, display_reference
from fsapp.switch.call import Call
from fsapp.switch.dialstring import caller_number

log = logging.getLogger(__name__)

ANSWER_TIMEOUT = 10.0


def fax_variables(config: Config) -> dict[str, str]:
    """What mod_spandsp reads from the channel before a fax: our station id, the page header, error correction."""
    fax = config.fax
    values = {"fax_ident": fax.station_id or fax.number, "fax_use_ecm": "true" if fax.ecm else "false"}
    if fax.header:
        values["fax_header"] = fax.header
    return {name: value for name, value in values.items() if value}


class FaxInbox:
    """Receives faxes sent to the published number and keeps each as a contact."""

    def __init__(self, config: Config, store: Store, now: Callable[[], datetime],
                 rules: Sequence[CaseRule] = ()) -> None:
        if config.fax.enabled and not config.fax.number:
            raise FsappError("fax.enabled needs fax.number: the number the dialplan hands to fsapp")
        self.config, self.fax, self.store, self.now, self.rules = config, config.fax, store, now, rules
        self.folder = Path(config.paths.faxes).resolve()
        self.received: list[int] = []   # contacts kept, newest last
        self.listeners: list[Callable[[int], None]] = []   # told of each contact kept (must not block)

    def serve(self, call: Call) -> int | None:
        """Receive one fax call and keep it; returns the contact's id."""
        if call.resumed and call.variables.get("fax_filename"):
            return self._resumed(call, call.variables["fax_filename"])
        tiff = spool_path(self.folder, "in", self.now(), ".tif")
        log.info("call %s: fax from %s", call.uuid, caller_number(call.caller_number))
        result = self._receive(call, tiff)
        log.info("call %s: fax %s", call.uuid, result.summary())
        return self.keep(call.uuid, call.caller_number, tiff, result)

    def _receive(self, call: Call, tiff: Path) -> FaxResult:
        """Answer and receive; the switch's result. A dropped link raises: the call is resumed (:meth:`_resumed`)."""
        try:
            call.answer(ANSWER_TIMEOUT)
            for name, value in fax_variables(self.config).items():
                call.set(name, value)
            complete = call.execute("rxfax", str(tiff), timeout=self.fax.receive_timeout + 30.0)
            result = FaxResult.from_variables(complete.variable, complete.get("Application-Response"))
        except ChannelGone:
            result = FaxResult.not_started("the caller hung up before the fax completed")
        except ConnectionLost:
            raise   # the fax goes on on the switch
        except ESLError as exc:
            log.warning("call %s: rxfax: %s", call.uuid, exc)
            result = FaxResult.not_started(f"the switch did not complete the fax: {exc}")
        self._hang_up(call)
        return result

    def _resumed(self, call: Call, path: str) -> int | None:
        """A fax under way when the link dropped or the controller restarted: the switch goes on receiving into
        the file this controller (or its predecessor) named. Its result event was missed, so the fax is kept when
        the call ends, with the pages in the file and its result marked unknown."""
        tiff = Path(path).resolve() if Path(path).is_absolute() else None
        if tiff is None or self.folder not in tiff.parents or tiff.suffix != ".tif":
            log.warning("call %s: resumed fax call writes outside %s; hanging up", call.uuid, self.folder)
            self._hang_up(call)
            return None
        log.info("call %s: fax resumed; waiting for the call to end", call.uuid)
        try:
            call.wait_for("gone", self.fax.receive_timeout + 30.0)
        except ESLError:
            self._hang_up(call)
        result = FaxResult.not_started("the controller restarted during the fax: the switch's result is unknown")
        return self.keep(call.uuid, call.caller_number, tiff, result)

    @staticmethod
    def _hang_up(call: Call) -> None:
        if call.gone:
            return
        try:
            call.hangup()
        except ESLError:
            pass   # gone meanwhile

    def keep(self, call_uuid: str, caller: str, tiff: Path, result: FaxResult) -> int:
        """Keep a received fax (whatever became of it) as a contact with its PDF, or its TIFF when that is all."""
        address = normalize_phone(caller, self.config.region) or caller_number(caller)
        cover = self._cover_reference(call_uuid, tiff, result)
        converted, problem = self._convert(call_uuid, tiff)
        subject = f"Fax from {result.remote_station or address}"
        body = _body(result, converted, problem, cover)
        interaction = receive(self.store, self.rules, "fax", address, subject, body)
        kept = self._attach(interaction, tiff, converted)
        self.received.append(interaction)
        for listener in list(self.listeners):
            listener(interaction)
        log.info("call %s: fax kept as contact %d%s", call_uuid, interaction, "" if kept else " (no pages)")
        return interaction

    def _cover_reference(self, call_uuid: str, tiff: Path, result: FaxResult) -> str | None:
        """A case reference on the first page, unless the station id quotes one (it wins); None when unread."""
        if not tiff.exists() or find_reference(result.remote_station) is not None:
            return None
        try:
            reference = cover_reference(tiff, max_bytes=self.fax.max_bytes)
        except CoverError as exc:
            log.warning("call %s: the fax's cover page was not read: %s", call_uuid, exc)
            return None
        if reference is None:
            log.info("call %s: the fax's cover page quotes no case", call_uuid)
        else:
            log.info("call %s: the fax's cover page quotes case %s", call_uuid, reference)
        return reference

    def _convert(self, call_uuid: str, tiff: Path) -> tuple[Converted | None, str]:
        if not tiff.exists():
            return None, ""
        try:
            return tiff_to_pdf(tiff, tiff.with_suffix(".pdf"), max_pages=self.fax.max_pages,
                               max_bytes=self.fax.max_bytes), ""
        except DocumentError as exc:
            log.warning("call %s: received fax not converted: %s", call_uuid, exc)
            return None, str(exc)

    def _attach(self, interaction: int, tiff: Path, converted: Converted | None) -> bool:
        stamp = self.now().strftime("%Y%m%d-%H%M%S")
        if converted is not None:
            self.store.keep_contact_file_copy(interaction, converted.path, f"fax-{stamp}.pdf", kind="fax",
                                              content_type="application/pdf", pages=converted.pages)
            reference = self.store.interaction(interaction)["case_reference"]
            if reference:
                self.store.attach_file(reference, converted.path, "fax", f"fax-{stamp}.pdf", "application/pdf")
            remove_quietly(tiff, converted.path)
            return True
        if tiff.exists() and tiff.stat().st_size <= self.fax.max_bytes:
            self.store.keep_contact_file_copy(interaction, tiff, f"fax-{stamp}.tif", kind="fax",
                                              content_type="image/tiff", pages=tiff_pages(tiff) or None)
            remove_quietly(tiff)
            return True
        remove_quietly(tiff)   # nothing arrived, or more than a fax can be: not kept
        return False


def _body(result: FaxResult, converted: Converted | None, problem: str, cover: str | None = None) -> str:
    lines = [f"Received: {result.summary()}"]
    if result.remote_station:
        lines.append(f"Sender's station id: {result.remote_station}")
    if cover is not None:   # after the station id, which wins (the seam takes the first reference quoted)
        lines.append(f"Case reference on the cover page: {display_reference(cover)}")
    if converted is not None and converted.truncated:
        lines.append(f"Only the first {converted.pages} of {converted.pages_in_file} pages were kept (fax.max_pages)")
    if problem:
        lines.append(f"The pages could not be made into a PDF: {problem}")
    return "\n".join(lines)
