"""Live-switch tests: they run only when FSAPP_TEST_FREESWITCH=host:port:password names a real FreeSWITCH.

The switch runs on this machine with its stock configuration (loopback only; see ../shared/REAL-SWITCH.md).
Once per session, :func:`live` renders fsapp's pieces from the suite's fsapp.yaml, installs them into the
switch's conf directory the way the README says (copy, merge the ACL, include the hold-music snippet,
``reloadxml``, ``reloadacl``, start the two SIP profiles), migrates the database, and undoes all of it at the
end. Tests start their own controllers and SIPp processes (bounded call counts, loopback) and stop them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from gevent import subprocess

from cli import main
from fsapp.config import Config, load_config
from fsapp.controller import Controller
from fsapp.esl.connection import ESLConnection
from tests.api.api_waits import CHANGES
from tests.live import scenarios
from tests.live.livekit import DOMAIN, OPERATORS_PORT, Sipp, SwitchConf, Watcher, live_settings, prepare_work_dir
from tests.live.pcaps import speech_20ms

SIPP_DIR = Path(__file__).parent / "sipp"
PASSWORDS = {"1101": "live-pw-1101-Zq8", "1102": "live-pw-1102-Xr4"}
CONTROLLER_WAIT = 20.0


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


@pytest.fixture(scope="session")
def switch_address() -> tuple[str, int, str]:
    address = live_switch()
    assert address is not None
    return address


@dataclass
class LiveSetup:
    """The session's installed configuration: fsapp.yaml, its work directory, the switch and its conf."""

    address: tuple[str, int, str]
    work: Path
    config_path: Path
    conf: SwitchConf
    speech: Path           # 7 s of speech in 20 ms PCMA packets, for callers and phones

    def config(self, **overrides: object) -> Config:
        return load_config(self.config_path, env={}, overrides=overrides)

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["--config", str(self.config_path), *args], env={})
        return result.exit_code, result.output

    def api(self, command: str) -> str:
        connection = ESLConnection(*self.address).connect()
        try:
            return connection.api(command)
        finally:
            connection.close()


@pytest.fixture(scope="session")
def live(switch_address: tuple[str, int, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSetup]:
    if shutil.which("sipp") is None:
        pytest.skip("SIPp is not installed (apt-get install sip-tester)")
    work = tmp_path_factory.mktemp("live")
    prepare_work_dir(work, PASSWORDS)
    config_path = work / "fsapp.yaml"
    config_path.write_text(yaml.safe_dump(live_settings(switch_address, work)))
    probe = ESLConnection(*switch_address).connect()
    conf_dir = Path(probe.api("global_getvar conf_dir").strip())
    probe.close()
    if not (conf_dir / "freeswitch.xml").is_file() or not os.access(conf_dir, os.W_OK):
        pytest.skip(f"the switch's conf directory {conf_dir} is not writable from here")
    setup = LiveSetup(switch_address, work, config_path, SwitchConf(conf_dir, lambda c: setup.api(c)),
                      speech_20ms(work / "speech20.pcap"))
    for step in (("db", "migrate"), ("conf", "render", "--out", str(work / "rendered")), ("prompts", "render")):
        status, output = setup.cli(*step)
        assert status == 0, output
    try:
        setup.conf.install(work / "rendered")
        yield setup
    finally:
        setup.conf.undo()


@pytest.fixture
def sipp_run(live: LiveSetup, request: pytest.FixtureRequest) -> Iterator[Sipp]:
    work = live.work / "sipp" / request.node.name.replace("[", "_").replace("]", "")
    work.mkdir(parents=True)
    runner = Sipp(work)
    yield runner
    try:
        live.conf.hang_up_fsapp_calls()   # while the phones still answer the BYEs (see SwitchConf.hang_up_fsapp_calls)
    finally:
        runner.stop_all()


@pytest.fixture
def watcher(live: LiveSetup) -> Iterator[Callable[..., Watcher]]:
    opened: list[Watcher] = []

    def make(*events: str) -> Watcher:
        opened.append(Watcher(live.address, list(events)))
        return opened[-1]

    yield make
    for each in opened:
        each.close()


@pytest.fixture
def phones(live: LiveSetup, sipp_run: Sipp,
           watcher: Callable[..., Watcher]) -> Iterator[Callable[..., subprocess.Popen]]:
    """Register an operator's softphone: a SIPp that answers on ``port`` and a REGISTER naming it as contact."""
    registered: list[tuple[str, int]] = []
    events = watcher("CUSTOM", "sofia::register", "sofia::unregister")

    def register(user: str, port: int, calls: int = 4, **answer: object) -> subprocess.Popen:
        """``calls``: how many calls the phone takes, its voicemail NOTIFYs included (see phone_answers)."""
        phone = sipp_run.run(f"phone_{user}", scenarios.phone_answers(**answer), port=port, calls=calls)
        registration = sipp_run.run(f"register_{user}", scenarios.register(user, PASSWORDS[user], DOMAIN, port),
                                    remote=f"127.0.0.1:{OPERATORS_PORT}", port=port + 1)
        events.wait(lambda event: event.get("Event-Subclass") == "sofia::register" and event.get("username") == user,
                    15, f"registration of {user}")
        assert sipp_run.finish(registration, 15) == 0, sipp_run.errors(f"register_{user}")
        registered.append((user, port))
        return phone

    yield register
    for user, port in registered:
        gone = sipp_run.run(f"unregister_{user}", scenarios.register(user, PASSWORDS[user], DOMAIN, port, expires=0),
                            remote=f"127.0.0.1:{OPERATORS_PORT}", port=port + 1)
        sipp_run.finish(gone, 15)


@pytest.fixture
def controller(live: LiveSetup, tmp_path: Path) -> Iterator[Controller]:
    """fsapp's controller on the live switch, with state of its own (its agents logged out at the start)."""
    started = Controller(live.config(**{"paths.state": str(tmp_path / "state")})).start()
    started.acd.change_listeners.append(CHANGES.poke)   # tests.api.api_waits.wait_until looks again on a change
    started.switch.listen(CHANGES.poke)
    started.switch.wait_connected(CONTROLLER_WAIT)
    assert started.acd.reconciled.wait(CONTROLLER_WAIT), "the ACD did not reconcile with the switch"
    yield started
    started.stop()


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
