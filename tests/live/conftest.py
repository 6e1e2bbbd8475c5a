"""Live-switch tests: they run only when FSAPP_TEST_FREESWITCH=host:port:password names a real FreeSWITCH.

The switch needs the dialplan fsapp renders (`fsapp conf render`): extension 6000 sets fsapp_entry=main
and parks; a SIP profile listening on 127.0.0.1:5080; SIPp (`sip-tester`) on this machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SIPP_DIR = Path(__file__).parent / "sipp"


def live_switch() -> tuple[str, int, str] | None:
    value = os.environ.get("FSAPP_TEST_FREESWITCH")
    if not value:
        return None
    host, port, password = value.split(":", 2)
    return host, int(port), password


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if live_switch() is not None:
        return
    skip = pytest.mark.skip(reason="no live FreeSWITCH: set FSAPP_TEST_FREESWITCH=host:port:password")
    for item in items:
        if "freeswitch" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def switch_address() -> tuple[str, int, str]:
    address = live_switch()
    assert address is not None
    return address


@pytest.fixture
def sipp():
    """Start SIPp scenarios from tests/live/sipp; every one is stopped at the end of the test."""
    if shutil.which("sipp") is None:
        pytest.skip("SIPp is not installed (apt-get install sip-tester)")
    started: list[subprocess.Popen] = []

    def run(scenario: str, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(["sipp", "-sf", scenario, "-nostdin", *args],
                                   cwd=SIPP_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started.append(process)
        return process

    yield run
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(10)
