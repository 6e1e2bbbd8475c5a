"""Fax on the real switch (mod_spandsp): a leg sends a multi-page fax (``txfax``) over loopback to the published fax
number, fsapp receives it (``rxfax``) and keeps it as a contact with its PDF on the sender's case; ``fsapp fax send``
sends a case's letter to a number whose call a receiving ``rxfax`` leg (fsapp's own fax number) answers.

The events and variables the switch sent for the received fax are checked against what the simulated switch makes
(tests/sim/test_sim_fax.py holds the simulator to the same names); with ``FSAPP_TRANSCRIPTS_WRITE=1`` they replace
tests/data/transcripts/fsapp-live/fax_receive.json.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fsapp.controller import Controller
from fsapp.store import display_reference
from tests.api.api_waits import CHANGES, wait_until
from tests.fax.pages import fax_tiff, letter_pdf
from tests.fax.story import TRANSCRIPT, fax_story
from tests.fax.test_fax_documents import pdf_pages
from tests.live.conftest import LiveSetup
from tests.live.livekit import FAX_NUMBER, Watcher

pytestmark = pytest.mark.freeswitch
FAX_WAIT = 180.0     # a page takes 10-20 s at 9600-14400 bit/s, set-up and training some more
SENDER = "+4790000501"


@pytest.fixture
def fax_watch(controller: Controller) -> Controller:
    controller.fax.listeners.append(CHANGES.poke)
    return controller


@pytest.fixture
def citizen_case(controller: Controller) -> Iterator[tuple[int, str]]:
    store = controller.store
    kari = store.add_citizen("Kari Fax", [SENDER])
    store.add_category("fax-live", "Fax live test")
    case = store.new_case("fax-live", "Building permit", "agent", citizen_id=kari.id)
    yield kari.id, case.reference


def received(controller: Controller, count: int) -> list[int]:
    return wait_until(lambda: len(controller.fax.received) >= count and list(controller.fax.received), FAX_WAIT,
                      f"{count} fax(es) kept")


def test_a_fax_sent_over_loopback_lands_on_the_senders_case(live: LiveSetup, fax_watch: Controller,
                                                           citizen_case: tuple[int, str],
                                                           watcher: Callable[..., Watcher]) -> None:
    controller, (citizen, reference) = fax_watch, citizen_case
    events = watcher("CHANNEL_EXECUTE_COMPLETE", "CUSTOM", "spandsp::rxfaxresult", "spandsp::txfaxresult")
    document = fax_tiff(live.work / "three-pages.tif", 3)
    station = display_reference(reference)
    reply = live.api(f"originate {{origination_caller_id_number={SENDER},fax_ident={station}}}"
                     f"loopback/{FAX_NUMBER}/public &txfax({document})")
    assert reply.startswith("+OK"), reply
    [interaction] = received(controller, 1)
    contact = controller.store.interaction(interaction)
    assert (contact["channel"], contact["citizen_id"], contact["case_reference"]) == ("fax", citizen, reference)
    assert "3 pages, OK" in contact["body"], contact["body"]
    [pdf] = controller.store.contact_files(interaction)
    assert pdf["pages"] == 3 and pdf_pages(Path(pdf["path"])) == 3
    assert [a.filename for a in controller.store.get_case(reference).attachments] == [pdf["filename"]]
    rx_complete = events.wait(lambda e: e.name == "CHANNEL_EXECUTE_COMPLETE" and e.get("Application") == "rxfax",
                              30, "rxfax completes")
    rx_result = events.wait(lambda e: e.get("Event-Subclass") == "spandsp::rxfaxresult", 30, "spandsp::rxfaxresult")
    tx_result = events.wait(lambda e: e.get("Event-Subclass") == "spandsp::txfaxresult", 30, "spandsp::txfaxresult")
    assert rx_complete.variable("fax_remote_station_id") == station
    assert (tx_result.get("fax-success"), tx_result.get("fax-document-transferred-pages")) == ("1", "3")
    seen = fax_story(rx_complete, rx_result)
    if os.environ.get("FSAPP_TRANSCRIPTS_WRITE") == "1":
        TRANSCRIPT.write_text(json.dumps(seen, indent=1) + "\n")
    assert seen == json.loads(TRANSCRIPT.read_text())


def test_fax_send_from_a_case_reaches_a_receiving_leg(live: LiveSetup, fax_watch: Controller,
                                                     citizen_case: tuple[int, str]) -> None:
    controller, (_, reference) = fax_watch, citizen_case
    letter = letter_pdf(live.work / "letter.pdf", 2)
    status, output = live.cli("fax", "send", "--case", reference, "--number", FAX_NUMBER, str(letter), "--json")
    assert status == 0, output
    answer = json.loads(output.strip().splitlines()[-1])
    assert (answer["success"], answer["pages"], answer["pages_sent"]) == (True, 2, 2), answer
    out = controller.store.interaction(answer["interaction"])
    assert (out["channel"], out["direction"], out["case_reference"]) == ("fax", "out", reference)
    [sent_pdf] = controller.store.contact_files(answer["interaction"])
    assert sent_pdf["pages"] == 2
    [interaction] = received(controller, 1)      # the receiving leg: fsapp's own fax number
    [pdf] = controller.store.contact_files(interaction)
    assert pdf["pages"] == 2 and pdf_pages(Path(pdf["path"])) == 2
    notes = [note.text for note in controller.store.get_case(reference).notes]
    assert any(text.startswith(f"Fax to {FAX_NUMBER}: 2 pages, OK") for text in notes), notes
