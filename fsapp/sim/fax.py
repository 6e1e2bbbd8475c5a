"""``rxfax`` and ``txfax`` as mod_spandsp 1.10 runs them, with the far end's fax machine simulated.

What the switch does (``mod_spandsp_fax.c``): the application sets ``fax_filename`` and its options, and on each
page fires ``spandsp::rxfaxpageresult`` (``txfax``: ``spandsp::txfaxpageresult``); when the fax is over (done, failed,
or the call dropped) its phase E handler sets ``fax_success``, ``fax_result_code``, ``fax_result_text``,
``fax_ecm_used``, ``fax_t38_status``, ``fax_local_station_id``, ``fax_remote_station_id``,
``fax_document_transferred_pages``, ``fax_document_total_pages``, ``fax_image_resolution``, ``fax_image_size``,
``fax_bad_rows``, ``fax_transfer_rate`` on the channel, fires ``spandsp::rxfaxresult`` / ``spandsp::txfaxresult``
with the channel's data and the same values as ``fax-*`` headers, and the application completes with no response.
A ``txfax`` of a file that does not exist completes at once with ``Cannot send non-existant fax file`` and no
fax variables. Received pages are written to the TIFF named in the argument (the pages that arrived).

The far end is a :class:`FaxMachine` on the party: a caller's (``CallerScript.fax``) sends its document when the
switch receives; an endpoint's (``Endpoint.fax``) keeps what the switch sends. A party with no machine is a phone:
``rxfax`` waits for a fax that never comes (T.30 code 2, ``Timed out waiting for initial communication``).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageSequence

from fsapp.sim.channel import AppCall, Channel, Hangup

log = logging.getLogger(__name__)

OK, T0_EXPIRED, CALL_DROPPED = 0, 2, 49
TEXTS = {OK: "OK", T0_EXPIRED: "Timed out waiting for initial communication",
         CALL_DROPPED: "The call dropped prematurely", 10: "Far end is not able to transmit",
         9: "Far end is not able to receive"}
T0_SECONDS = 60.0          # how long a receiver waits for a fax machine to answer its tones
SETUP_SECONDS = 8.0        # tones, identification and training before the first page
NO_FILE = "Cannot send non-existant fax file"
RESOLUTION = "8031x7700"   # pixels per metre, as spandsp reports fine resolution (204x196 dpi)


@dataclass
class FaxMachine:
    """A fax machine at the far end.

    - ``document``: the TIFF it sends when the switch receives (``None``: it has nothing to send).
    - ``station_id``: what it says it is (T.30 TSI/CSI); sent as given, however odd.
    - ``hang_up_after_pages``: it drops the call after sending this many pages (a partial fax).
    - ``refuse_code``: it refuses the fax with this T.30 code (e.g. 9 or 10) after the set-up.
    - ``seconds_per_page``: simulated seconds one page takes on the line.
    - ``received``: the TIFF files it received from ``txfax`` (copies, in order).
    - ``hang_up_when_done``: having sent its document, it hangs up a second later, as fax machines do.
    """

    document: str | Path | None = None
    station_id: str = ""
    hang_up_after_pages: int | None = None
    refuse_code: int | None = None
    seconds_per_page: float = 6.0
    received: list[Path] = field(default_factory=list)
    receive_dir: str | Path | None = None
    hang_up_when_done: bool = True


def _pages_of(path: Path) -> list[Image.Image]:
    with Image.open(path) as image:
        return [frame.copy() for frame in ImageSequence.Iterator(image)]


def _write_pages(path: str, pages: list[Image.Image]) -> None:
    if not pages:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(target, "TIFF", save_all=True, append_images=pages[1:], compression="group4", dpi=(204, 196))


def _machine(channel: Channel) -> FaxMachine | None:
    return getattr(channel.party, "fax", None)


def _result(channel: Channel, mode: str, code: int, pages: int, total: int, local: str, remote: str) -> None:
    """Phase E: the variables, then ``spandsp::<mode>faxresult``."""
    text = TEXTS.get(code, "Unexpected message received")
    values = [("fax_success", "1" if code == OK else "0"), ("fax_result_code", str(code)),
              ("fax_result_text", text), ("fax_ecm_used", "on" if pages else "off"), ("fax_t38_status", "off"),
              ("fax_local_station_id", local), ("fax_remote_station_id", remote),
              ("fax_document_transferred_pages", str(pages)), ("fax_document_total_pages", str(total)),
              ("fax_image_resolution", RESOLUTION if pages else "0x0"),
              ("fax_image_size", str(pages * 42000)), ("fax_bad_rows", "0"),
              ("fax_transfer_rate", "14400" if pages else "0")]
    channel.set_vars(values)   # an empty value (no remote station id) leaves the variable unset, as on the switch
    _event(channel, f"spandsp::{mode}faxresult", "phase_e_handler", "692",
           [("fax-success", values[0][1]), ("fax-result-code", str(code)), ("fax-result-text", text),
            ("fax-document-transferred-pages", str(pages)), ("fax-document-total-pages", str(total)),
            ("fax-image-resolution", values[9][1]), ("fax-image-size", values[10][1]), ("fax-bad-rows", "0"),
            ("fax-transfer-rate", values[12][1]), ("fax-ecm-used", values[3][1]), ("fax-t38-status", "off"),
            ("fax-local-station-id", local), ("fax-remote-station-id", remote)])


def _negotiated(channel: Channel, mode: str, local: str, remote: str, total: int) -> None:
    """Phase B: the machines agreed: rate, ECM and identities as variables; ``spandsp::<mode>faxnegociateresult``."""
    values = [("fax_transfer_rate", "14400")] + ([("fax_document_total_pages", str(total))] if mode == "tx" else [])
    values += [("fax_ecm_used", "on"), ("fax_t38_status", "off"), ("fax_local_station_id", local),
               ("fax_remote_station_id", remote)]   # remote country, vendor, model: empty, so unset
    channel.set_vars(values)
    headers = [("uuid", channel.uuid), ("fax-transfer-rate", "14400"), ("fax-ecm-used", "on"),
               ("fax-t38-status", "off"), ("fax-local-station-id", local), ("fax-remote-station-id", remote),
               ("fax-remote-country", ""), ("fax-remote-vendor", ""), ("fax-remote-model", "")]
    _event(channel, f"spandsp::{mode}faxnegociateresult", "spanfax_phase_b_handler", "401",
           headers + ([("fax-document-total-pages", str(total))] if mode == "tx" else []))


def _page_done(channel: Channel, mode: str, page: int, total: int) -> None:
    """Phase D: one page is through; its figures as variables, ``spandsp::<mode>faxpageresult``."""
    figures = [("fax_image_resolution", RESOLUTION), ("fax_file_image_resolution", RESOLUTION),
               ("fax_image_pixel_size", "1728x2292"), ("fax_file_image_pixel_size", "1728x2292"),
               ("fax_image_size", str(page * 42000)), ("fax_bad_rows", "0"), ("fax_longest_bad_row_run", "0"),
               ("fax_encoding", "4"), ("fax_encoding_name", "T.6"), ("fax_document_transferred_pages", str(page))]
    channel.set_vars(figures + ([("fax_document_total_pages", str(total))] if mode == "tx" else []))
    headers = [("uuid", channel.uuid), ("fax-document-transferred-pages", str(page))]
    headers += [("fax-document-total-pages", str(total))] if mode == "tx" else []
    headers += [(name.replace("_", "-"), value) for name, value in figures[:9]]
    _event(channel, f"spandsp::{mode}faxpageresult", "spanfax_phase_d_handler", "538", headers)


def _event(channel: Channel, subclass: str, function: str, line: str, headers: list[tuple[str, str]]) -> None:
    """A spandsp event: the channel's data (``switch_channel_event_set_data``), then its own headers."""
    core = channel.core
    if not core.anyone_wants("CUSTOM", subclass):
        core.factory.skip()
        return
    from fsapp.sim.events import channel_data
    event = core.factory.core("CUSTOM", subclass=subclass, calling=("mod_spandsp_fax.c", function, line))
    event += channel_data(channel)
    event += [(name, value) for name, value in headers if value != ""]   # an empty header is not added
    core.fire(event)


def _start(channel: Channel, call: AppCall, mode: str) -> str:
    path = call.arg.strip().split(" ")[0]
    channel.set_vars([("fax_ecm_requested", "true" if channel.variables.get("fax_use_ecm") != "false" else "false"),
                      ("fax_v17_disabled", "0"), ("fax_filename", path)])
    return path


def rxfax(channel: Channel, call: AppCall) -> str:
    """Receive into the TIFF named by the argument from the party's fax machine."""
    path = _start(channel, call, "rx")
    local = channel.variables.get("fax_ident", "SpanDSP Fax Ident")
    machine = _machine(channel)
    if machine is None or machine.document is None:
        try:
            channel.sleep(T0_SECONDS)
        except Hangup:
            _result(channel, "rx", CALL_DROPPED, 0, 0, local, "")
            raise
        _result(channel, "rx", T0_EXPIRED, 0, 0, local, "")
        return "_none_"
    pages = _pages_of(Path(machine.document))
    remote = machine.station_id
    sent: list[Image.Image] = []
    try:
        channel.sleep(SETUP_SECONDS)
        if machine.refuse_code is not None:
            _result(channel, "rx", machine.refuse_code, 0, 0, local, remote)
            return "_none_"
        _negotiated(channel, "rx", local, remote, 0)
        for number, page in enumerate(pages, start=1):
            if machine.hang_up_after_pages is not None and number > machine.hang_up_after_pages:
                from fsapp.sim.lifecycle import hangup
                channel.core.spawn(hangup, channel, "NORMAL_CLEARING")
                channel.sleep(60.0)   # the hangup arrives at once
            channel.sleep(machine.seconds_per_page)
            sent.append(page)
            _page_done(channel, "rx", number, 0)
    except Hangup:
        _write_pages(path, sent)
        _result(channel, "rx", CALL_DROPPED, len(sent), 0, local, remote)
        raise
    _write_pages(path, sent)
    _result(channel, "rx", OK, len(sent), len(sent), local, remote)
    if machine.hang_up_when_done:
        channel.core.spawn(_hang_up_soon, channel)
    return "_none_"


def _hang_up_soon(channel: Channel) -> None:
    from fsapp.sim.lifecycle import hangup
    try:
        channel.sleep(1.0)
    except Hangup:
        return   # the switch hung up first
    if channel.alive:
        hangup(channel, "NORMAL_CLEARING")


def txfax(channel: Channel, call: AppCall) -> str:
    """Send the TIFF named by the argument to the party's fax machine."""
    path = Path(call.arg.strip().split(" ")[0])
    if not path.is_file():
        return NO_FILE
    _start(channel, call, "tx")
    local = channel.variables.get("fax_ident", "SpanDSP Fax Ident")
    pages = _pages_of(path)
    machine = _machine(channel)
    if machine is None:
        try:
            channel.sleep(T0_SECONDS)
        except Hangup:
            _result(channel, "tx", CALL_DROPPED, 0, len(pages), local, "")
            raise
        _result(channel, "tx", T0_EXPIRED, 0, len(pages), local, "")
        return "_none_"
    done = 0
    try:
        channel.sleep(SETUP_SECONDS)
        if machine.refuse_code is not None:
            _result(channel, "tx", machine.refuse_code, 0, len(pages), local, machine.station_id)
            return "_none_"
        _negotiated(channel, "tx", local, machine.station_id, len(pages))
        for number in range(1, len(pages) + 1):
            channel.sleep(machine.seconds_per_page)
            done = number
            _page_done(channel, "tx", number, len(pages))
    except Hangup:
        _result(channel, "tx", CALL_DROPPED, done, len(pages), local, machine.station_id)
        raise
    if machine.receive_dir is not None:
        copy = Path(machine.receive_dir) / f"{channel.uuid}.tif"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        machine.received.append(copy)
    _result(channel, "tx", OK, done, len(pages), local, machine.station_id)
    return "_none_"
