"""The simulated switch's rxfax tells what FreeSWITCH 1.10.12's mod_spandsp told for the same fax (recorded by
tests/live/test_live_fax.py): the variables on the completion, its response, the spandsp::rxfaxresult headers."""

from __future__ import annotations

import json

from fsapp.esl.connection import ESLConnection
from fsapp.sim import CallerScript, FaxMachine, SimulatedSwitch
from tests.fax.conftest import FAX_NUMBER
from tests.fax.pages import fax_tiff
from tests.fax.story import TRANSCRIPT, fax_story


def test_a_received_fax_tells_the_recorded_story(sim: SimulatedSwitch, fax_controller, tmp_path) -> None:
    fax_controller()
    watcher = ESLConnection(*sim.address, "ClueCon").connect()
    try:
        watcher.subscribe(["CHANNEL_EXECUTE_COMPLETE", "CUSTOM", "spandsp::rxfaxresult"])
        machine = FaxMachine(fax_tiff(tmp_path / "send.tif", 3), station_id="26-00001-7")
        sim.place_call("+4790000501", destination=FAX_NUMBER, entry="fax", script=CallerScript(fax=machine))
        complete = result = None
        while complete is None:
            event = watcher.next_event(timeout=30)
            assert event is not None
            if event.get("Event-Subclass") == "spandsp::rxfaxresult":
                result = event
            elif event.name == "CHANNEL_EXECUTE_COMPLETE" and event.get("Application") == "rxfax":
                complete = event
        assert result is not None, "spandsp::rxfaxresult comes before rxfax completes"
        assert fax_story(complete, result) == json.loads(TRANSCRIPT.read_text())
    finally:
        watcher.close()
