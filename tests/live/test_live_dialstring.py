"""Against a real FreeSWITCH: what it sets for the values fsapp escapes (tests/security/data has the recording
the offline tests replay), and a Switch.originate with hostile variables. Legs go to ``loopback/9664`` (the
stock dialplan's music on hold) and are hung up by UUID."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fsapp.esl.connection import ESLConnection
from fsapp.switch.call import new_uuid
from fsapp.switch.dialstring import originate_command
from fsapp.switch.service import Switch

pytestmark = pytest.mark.freeswitch

RECORDED = json.loads((Path(__file__).parents[1] / "security" / "data" / "freeswitch_escaping.json").read_text())


@pytest.fixture
def connection(switch_address: tuple[str, int, str]) -> Iterator[ESLConnection]:
    linked = ESLConnection(*switch_address).connect()
    yield linked
    linked.exit()


def variable(connection: ESLConnection, uuid: str, name: str) -> str | None:
    value = connection.api(f"uuid_getvar {uuid} {name}")
    return None if value == "_undef_" else value


@pytest.mark.parametrize("row", RECORDED["escaped"], ids=lambda row: repr(row["value"]))
def test_the_switch_sets_each_escaped_value_exactly(connection: ESLConnection, row: dict) -> None:
    uuid = new_uuid()
    command = originate_command(RECORDED["endpoint"], {"origination_uuid": uuid, "fsapp_probe": row["value"],
                                                       "fsapp_after": "z"})
    assert connection.api(command, timeout=20).startswith("+OK")
    try:
        assert (variable(connection, uuid, "fsapp_probe"), variable(connection, uuid, "fsapp_after")) == (
            row["set"], row["after"])
    finally:
        connection.api(f"uuid_kill {uuid}")


def test_switch_originate_with_hostile_variables(switch_address: tuple[str, int, str],
                                                 connection: ESLConnection) -> None:
    switch = Switch(*switch_address).start()
    try:
        switch.wait_connected(10.0)
        hostile = {"fsapp_role": "agent", "origination_caller_id_name": "Kari\\,fsapp_role=evil",
                   "sip_h_X-Fsapp-Data-note": "tail\\", "fsapp_queue": "a' b 'c,x=y"}
        leg = switch.originate(RECORDED["endpoint"], hostile, timeout=20.0, wait_park=False)
        try:
            assert {name: variable(connection, leg.uuid, name) for name in hostile} == hostile
        finally:
            leg.kill()
    finally:
        switch.stop()
