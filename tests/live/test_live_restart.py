"""``fsapp run`` killed (SIGKILL) and started again while calls are up on the real switch: a caller waiting in
the queue is taken up again and answered, a caller talking to an agent (directly, or after an attended
transfer) talks on, and every call gets its row in ``fsapp calls`` (agent, queue, caller, talk time, end) and its
recording listed with them. The controller runs as its own process, driven through the control API.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent
import pytest
import yaml
from gevent import subprocess

from fsapp.api.client import ApiClient
from fsapp.api.recordings import RecordingQuery, find_recordings
from fsapp.store import open_store
from tests.live import scenarios
from tests.live.conftest import LiveSetup
from tests.live.livekit import ROOT, TRUNKS_PORT, Sipp, Watcher, sox_stat
from tests.live.pcaps import key_presses

pytestmark = pytest.mark.freeswitch
TOKEN = "live-restart-token-5d1f9c"
EVENTS = ("CHANNEL_PARK", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE", "PLAYBACK_START")
STARTED = "fsapp controller running"
WAIT = 30.0
TALK = 4.0                     # seconds of a stretch of conversation


@dataclass
class FsappRun:
    """``fsapp run`` processes on the live suite's switch and database, with state and an API of their own."""

    config_path: Path
    api: ApiClient
    database_url: str
    recordings: Path
    processes: list[subprocess.Popen]

    def start(self) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "cli", "--config", str(self.config_path), "run"], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                   env=dict(os.environ, PYTHONPATH=str(ROOT)))
        self.processes.append(process)
        with gevent.Timeout(WAIT, AssertionError(f"fsapp run never said {STARTED!r}")):
            while not (line := process.stdout.readline()).startswith(STARTED):
                assert line, f"fsapp run ended before saying {STARTED!r}"
        return process

    def crash(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=WAIT) == -signal.SIGKILL

    def call_row(self, uuid: str) -> dict[str, Any]:
        """The call's row in ``fsapp calls --json`` once it is complete (written by the other process when the
        call has ended; no event says when, so the store is looked at every 200 ms)."""
        deadline = time.monotonic() + WAIT
        while True:
            rows = {row["call_uuid"]: row for row in self.calls()}
            row = rows.get(uuid)
            if row is not None and row["ended_at"] and row["agent"]:
                return row
            assert time.monotonic() < deadline, f"no complete row for call {uuid} in fsapp calls: {row}"
            gevent.sleep(0.2)

    def calls(self) -> list[dict[str, Any]]:
        done = subprocess.run([sys.executable, "-m", "cli", "--config", str(self.config_path), "calls", "--json",
                               "--last", "50"], cwd=ROOT, capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]

    def recording(self, uuid: str) -> dict[str, Any]:
        found = find_recordings(self.recordings, open_store(self.database_url), RecordingQuery())
        rows = [row for row in found if row["call_uuid"] == uuid]
        assert len(rows) == 1, found
        return rows[0]

    def agent_state(self, agent: str) -> str:
        return str(self.api.get(f"/api/v1/agents/{agent}")["state"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def fsapp_run(live: LiveSetup, tmp_path: Path) -> Iterator[FsappRun]:
    settings = yaml.safe_load(live.config_path.read_text())
    settings["paths"]["state"] = str(tmp_path / "state")
    (tmp_path / "state").mkdir()
    port = free_port()
    settings["api"] = {"listen": "127.0.0.1", "port": port, "tokens": {TOKEN: "supervisor"}}
    path = tmp_path / "fsapp.yaml"
    path.write_text(yaml.safe_dump(settings))
    runs = FsappRun(path, ApiClient(f"http://127.0.0.1:{port}", TOKEN), settings["database"]["url"],
                    Path(settings["paths"]["recordings"]), [])
    yield runs
    for process in runs.processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def call_in(sipp_run: Sipp, live: LiveSetup, events: Watcher, name: str, number: str, port: int,
            hangup_after: int) -> str:
    """A caller keying 2 into the queue; returns its leg once parked by fsapp's dialplan."""
    keys = key_presses(sipp_run.work / f"key2_{name}.pcap", "2")
    sipp_run.run(name, scenarios.caller("6000", media=[(2000, keys), (5000, live.speech)], hangup_after=hangup_after,
                                        caller_id=number), remote=f"127.0.0.1:{TRUNKS_PORT}", port=port)
    return events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main"
                       and e.get("Caller-Caller-ID-Number") == number, 15, f"{name} parked").uuid


def bridge_of(events: Watcher, uuid: str, what: str, not_to: str | None = None) -> tuple[str, float]:
    """The leg ``uuid`` is bridged to (not ``not_to``) and when, on the switch's clock."""
    bridge = events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and uuid in (e.uuid, e.get("Other-Leg-Unique-ID"))
                         and not_to not in (e.uuid, e.get("Other-Leg-Unique-ID")), 20, what)
    other = bridge.get("Other-Leg-Unique-ID") if bridge.uuid == uuid else bridge.uuid
    return other or "", int(bridge["Event-Date-Timestamp"]) / 1e6


def hung_up(events: Watcher, uuid: str, what: str, timeout: float = 60.0) -> float:
    ended = events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == uuid, timeout, what)
    return int(ended["Event-Date-Timestamp"]) / 1e6


def holding(events: Watcher, uuid: str, times: int, what: str) -> None:
    """The caller's hold music started for the ``times``-th time."""
    def started() -> int:
        return sum(e.name == "PLAYBACK_START" and e.uuid == uuid and "moh" in e.get("Playback-File-Path", "")
                   for e in events.seen)
    events.wait(lambda e: started() >= times, 20, what)


def check_call(fsapp_run: FsappRun, uuid: str, number: str, agent: str, talked: float) -> None:
    row = fsapp_run.call_row(uuid)
    assert (row["caller_number"], row["queue"], row["agent"], row["outcome"]) == (number, "live", agent,
                                                                                 "answered"), row
    assert row["talk_seconds"] == pytest.approx(talked, abs=2.0), (row, talked)
    assert row["hangup_cause"] == "NORMAL_CLEARING", row
    recording = fsapp_run.recording(uuid)
    assert (recording["agent"], recording["queue"], recording["caller"]) == (agent, "live", number), recording
    stat = sox_stat(Path(recording["path"]))
    assert stat["Length (seconds)"] == pytest.approx(talked, abs=2.0), (stat, talked)
    assert stat["RMS     amplitude"] > 0.02, stat


def test_a_waiting_caller_and_a_talking_caller_across_a_restart(
        live: LiveSetup, fsapp_run: FsappRun, sipp_run: Sipp, phones: Callable[..., subprocess.Popen],
        watcher: Callable[..., Watcher]) -> None:
    events = watcher(*EVENTS)
    phones("1101", 5610, speech=live.speech)
    first = fsapp_run.start()
    fsapp_run.api.post("/api/v1/agents/anna/login")
    talking = call_in(sipp_run, live, events, "talking", "4790000011", 5620, hangup_after=24000)
    anna_leg, talk_from = bridge_of(events, talking, "the first caller bridged to anna")
    waiting = call_in(sipp_run, live, events, "waiting", "4790000012", 5630, hangup_after=36000)
    holding(events, waiting, 1, "the second caller on hold")
    fsapp_run.crash(first)

    fsapp_run.start()
    holding(events, waiting, 2, "the second caller's hold music started again after the restart")
    talk_to = hung_up(events, talking, "the first caller's hangup")
    assert hung_up(events, anna_leg, "anna's leg hung up with the first caller's", 10) >= talk_to
    _, wait_to = bridge_of(events, waiting, "the second caller bridged to anna after the restart")
    wait_ended = hung_up(events, waiting, "the second caller's hangup")
    check_call(fsapp_run, talking, "4790000011", "anna", talk_to - talk_from)
    check_call(fsapp_run, waiting, "4790000012", "anna", wait_ended - wait_to)
    assert fsapp_run.agent_state("anna") in ("wrap-up", "available")


def test_a_call_transferred_after_a_consultation_across_a_restart(
        live: LiveSetup, fsapp_run: FsappRun, sipp_run: Sipp, phones: Callable[..., subprocess.Popen],
        watcher: Callable[..., Watcher]) -> None:
    events = watcher(*EVENTS)
    phones("1101", 5640, speech=live.speech)
    phones("1102", 5650, speech=live.speech)
    first = fsapp_run.start()
    fsapp_run.api.post("/api/v1/agents/anna/login")
    caller = call_in(sipp_run, live, events, "caller", "4790000013", 5660, hangup_after=30000)
    anna_leg, _ = bridge_of(events, caller, "the caller bridged to anna")
    fsapp_run.api.post("/api/v1/agents/bo/login")
    gevent.sleep(TALK)                                  # anna and the caller talk
    bo_leg = fsapp_run.api.post(f"/api/v1/calls/{caller}/consult", {"agent": "bo"})["consult_leg"]
    fsapp_run.api.post(f"/api/v1/calls/{caller}/consult/complete")
    _, bo_from = bridge_of(events, caller, "the caller bridged to bo", not_to=anna_leg)
    hung_up(events, anna_leg, "anna's leg hung up at complete", 10)
    fsapp_run.crash(first)

    fsapp_run.start()
    ended = hung_up(events, caller, "the caller's hangup")
    hung_up(events, bo_leg, "bo's leg hung up with the caller's", 10)
    row = fsapp_run.call_row(caller)
    assert (row["caller_number"], row["queue"], row["agent"], row["outcome"]) == ("4790000013", "live", "bo",
                                                                                 "answered"), row
    assert 0 < row["talk_seconds"] <= ended - bo_from + 1.0, (row, ended - bo_from)   # bo's part at least
    recording = fsapp_run.recording(caller)
    assert (recording["agent"], recording["queue"], recording["caller"]) == ("bo", "live", "4790000013")
    assert fsapp_run.agent_state("bo") in ("wrap-up", "available")
