"""Fax out from a case: a PDF, TIFF or picture made into a fax TIFF, dialled, sent with ``txfax``, kept on the case.

The number passes the dial-string seam (:func:`~fsapp.switch.dialstring.dialable_number`: E.164, no premium
rate) and is dialled through ``fax.dial_template`` (else ``outbound.gateway``), showing ``outbound.caller_id_*``.
Every attempt, sent or not, becomes an outgoing contact on channel ``fax`` linked to the case, with the pages as
a PDF, and a note on the case saying how it went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fsapp.config import Config
from fsapp.esl.errors import ChannelGone, ESLError
from fsapp.fax.documents import Converted, DocumentError, tiff_to_pdf, to_fax_tiff
from fsapp.fax.inbox import fax_variables
from fsapp.fax.letter import letter_lines, write_letter
from fsapp.fax.result import FaxResult
from fsapp.fax.spool import remove_quietly, spool_path
from fsapp.store import Store, display_reference
from fsapp.switch.dialstring import dialable_number, number_endpoint
from fsapp.switch.errors import CallControlError, OriginateFailed
from fsapp.switch.service import Switch

log = logging.getLogger(__name__)

ANSWER_TIMEOUT = 60.0
CASE_VARIABLE = "fsapp_fax_case"


@dataclass(frozen=True)
class SentFax:
    """One fax sent (or tried) from a case."""

    interaction: int
    number: str
    result: FaxResult
    pages: int


@dataclass(frozen=True)
class FaxJob:
    """What to send: checked before anything is dialled (:func:`prepare`)."""

    reference: str
    number: str          # E.164
    dial: str            # the one endpoint
    tiff: Converted


def prepare(store: Store, config: Config, reference: str, number: str, source: Path | None,
            now: Callable[[], datetime]) -> FaxJob:
    """Check the case, the number and the file, and make the TIFF to send (StoreError, NotDialable, DocumentError).
    Without a ``source``, a one-page letter about the case is sent (:mod:`fsapp.fax.letter`)."""
    case = store.case_status(reference)
    e164 = dialable_number(number, config.region)
    dial = number_endpoint(config.fax.dial_template or config.outbound.dial_template(), e164)
    tiff = spool_path(Path(config.paths.faxes).resolve(), "out", now(), ".tif")
    letter = None
    if source is None:
        lines = letter_lines(case, config.fax.header or config.outbound.caller_id_name, config.fax.number)
        source = letter = write_letter(lines, tiff.with_suffix(".png"))
    try:
        converted = to_fax_tiff(source, tiff, max_pages=config.fax.max_pages, max_bytes=config.fax.max_bytes)
    finally:
        if letter is not None:
            remove_quietly(letter)
    return FaxJob(case.reference, e164, dial, converted)


def transmit(switch: Switch, config: Config, job: FaxJob) -> FaxResult:
    """Dial ``job.number`` and send the TIFF; the result as the switch reported it (never raises for the call)."""
    variables = {**config.outbound.caller_id(), **fax_variables(config), CASE_VARIABLE: job.reference}
    try:
        call = switch.originate(job.dial, variables, timeout=ANSWER_TIMEOUT)
    except OriginateFailed as exc:
        return FaxResult.not_started(f"the call was not answered: {exc.cause}")
    except (CallControlError, ESLError) as exc:
        return FaxResult.not_started(f"the call could not be placed: {exc}")
    log.info("call %s: sending fax of case %s to %s", call.uuid, job.reference, job.number)
    try:
        complete = call.execute("txfax", str(job.tiff.path), timeout=config.fax.receive_timeout + 30.0)
    except ChannelGone:
        return FaxResult.not_started("the far end hung up before the fax completed")
    except ESLError as exc:
        return FaxResult.not_started(f"the switch did not complete the fax: {exc}")
    finally:
        if not call.gone:
            try:
                call.hangup()
            except ESLError:
                pass   # gone meanwhile
    return FaxResult.from_variables(complete.variable, complete.get("Application-Response"))


def record(store: Store, config: Config, job: FaxJob, result: FaxResult, actor: str) -> SentFax:
    """Keep the attempt on the case: an outgoing fax contact with the pages as PDF, and a note."""
    line = f"Fax to {job.number}: {result.summary()}"
    interaction = store.record_interaction("fax", "out", case_reference=job.reference, address=job.number,
                                           agent=actor, subject=f"Fax to {job.number}",
                                           body=f"Sent: {result.summary()}\nPages in the document: {job.tiff.pages}")
    pdf = job.tiff.path.with_suffix(".pdf")
    try:
        tiff_to_pdf(job.tiff.path, pdf, max_pages=config.fax.max_pages, max_bytes=config.fax.max_bytes)
        store.keep_contact_file_copy(interaction, pdf, f"fax-to-{job.number.lstrip('+')}.pdf", kind="fax",
                                     content_type="application/pdf", pages=job.tiff.pages)
    except DocumentError as exc:   # the TIFF was ours: keep it as it is
        log.warning("fax of case %s: %s", job.reference, exc)
        store.keep_contact_file_copy(interaction, job.tiff.path, "fax.tif", kind="fax", content_type="image/tiff",
                                     pages=job.tiff.pages)
    store.add_note(job.reference, line, actor)
    remove_quietly(job.tiff.path, pdf)
    log.info("fax of case %s kept as contact %d: %s", display_reference(job.reference), interaction, line)
    return SentFax(interaction, job.number, result, job.tiff.pages)


def send_fax(switch: Switch, store: Store, config: Config, *, reference: str, number: str, source: Path | None,
             actor: str, now: Callable[[], datetime]) -> SentFax:
    """Prepare, transmit and record one fax from case ``reference`` to ``number``."""
    job = prepare(store, config, reference, number, source, now)
    return record(store, config, job, transmit(switch, config, job), actor)
