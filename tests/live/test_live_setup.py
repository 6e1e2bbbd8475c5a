"""On a real FreeSWITCH with its stock configuration: fsapp's rendered pieces installed as the README says,
then `fsapp doctor` and the controller's own checks."""

from __future__ import annotations

import json
import logging

import pytest
from gevent.event import Event as Flag

from fsapp.controller import Controller
from tests.live.conftest import LiveSetup
from tests.live.livekit import DOMAIN, PROFILES

pytestmark = pytest.mark.freeswitch


def test_doctor_passes_on_the_stock_switch_with_the_rendered_pieces(live: LiveSetup) -> None:
    status, output = live.cli("doctor", "--json", "--timeout", "10")
    checks = {check["name"]: check for check in json.loads(output)}
    assert status == 0, output
    assert [c for c in checks.values() if c["status"] != "ok"] == []
    # stock public.xml's unloop extension is passed over as it is for a plain call
    assert checks["dialplan 6000"]["message"] == (
        "extension outside_call, fsapp_main_6000 sets fsapp_entry=main and parks "
        "(taken as not met for a plain call: unloop: ${sip_looped_call})")
    assert checks["agent SIP users"]["message"] == "2 agent(s) have a SIP user on the switch"
    assert checks["trunk ACL"]["status"] == "ok"


def test_profiles_hold_music_and_directory_are_live(live: LiveSetup) -> None:
    for profile in PROFILES:
        assert any(profile in line and "RUNNING" in line for line in live.api("sofia status").splitlines())
    stream = live.api("local_stream show moh")
    assert f"location: {live.work / 'moh'}" in stream   # fsapp's stream, beside the switch's own
    assert "location:" in live.api("local_stream show moh/8000")
    assert live.api(f"user_exists id 1101 {DOMAIN}").strip() == "true"
    assert live.api("xml_locate directory domain name 127.0.0.1").lstrip().startswith("<domain")


class _Summaries(logging.Handler):
    """The controller's check summary lines, with a flag set at the first."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.logged = Flag()

    def emit(self, record: logging.LogRecord) -> None:
        if " check(s), " in record.getMessage():
            self.lines.append(record.getMessage())
            self.logged.set()


def test_the_controller_checks_the_switch_when_it_connects(live: LiveSetup) -> None:
    summaries = _Summaries()
    logger = logging.getLogger("fsapp.doctor.on_connect")
    logger.addHandler(summaries)
    logger.setLevel(logging.INFO)
    controller = Controller(live.config()).start()
    try:
        assert summaries.logged.wait(30), "no summary of the switch checks logged"
    finally:
        controller.stop()
        logger.removeHandler(summaries)
        logger.setLevel(logging.NOTSET)
    assert summaries.lines[0].endswith("check(s), 0 failed, 0 warning(s)"), summaries.lines
