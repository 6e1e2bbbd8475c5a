"""`fsapp doctor` and the controller's switch checks, against the simulated switch and real files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from gevent.event import Event as Flag

from cli import main
from fsapp.config import Config, load_config
from fsapp.controller import Controller
from fsapp.doctor import Status, run_doctor, run_switch_checks
from fsapp.doctor.dialplan import CallFacts, hunt, parse_globals
from fsapp.doctor.switch import number_check, switch_ready
from fsapp.esl.connection import ESLConnection
from fsapp.sim import SimulatedSwitch
from fsapp.acd.loader import load_acd_config
from fsapp.sim.api_doctor import directory_users, loaded_modules
from fsapp.store import open_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(sim: SimulatedSwitch, tmp_path: Path) -> dict:
    """fsapp.yaml contents for a healthy setup on the simulated switch (dialplan: 6000 -> main)."""
    database = tmp_path / "fsapp.db"
    open_store(f"sqlite:///{database}").close()
    for agent in load_acd_config(ROOT / "conf/acd.yaml").agents.values():
        directory_users(sim.core).add((agent.contact.removeprefix("user/"), "fsapp.local"))
    sim.arm_safety_net(after=30, park_timeout=7200, apology="/sounds/apology.wav")   # as `fsapp conf render` does
    return {"switch": {"host": sim.address[0], "port": sim.port, "password": "ClueCon", "calls_per_second": 30},
            "database": {"url": f"sqlite:///{database}"}, "acd": {"file": str(ROOT / "conf/acd.yaml")},
            "ivr": {"flows_dir": str(ROOT / "ivr_scripts"), "entries": {"main": "main_menu"}},
            "numbers": {"6000": "main"}, "freeswitch": {"trunk_acl": {"telco": "192.0.2.0/24"}}}


def _config(settings: dict, tmp_path: Path) -> Config:
    path = tmp_path / "fsapp.yaml"
    path.write_text(yaml.safe_dump(settings))
    return load_config(path, env={})


def _by_name(results) -> dict:
    return {result.name: result for result in results}


def test_a_healthy_setup_passes(settings: dict, tmp_path: Path) -> None:
    results = run_doctor(_config(settings, tmp_path), timeout=5)
    assert [r.line() for r in results if r.status is not Status.OK] == []
    names = set(_by_name(results))
    assert {"database", "queues and agents", "ivr flows", "published numbers", "trunk ACL", "event socket",
            "switch ready", "switch throttle", "switch modules", "dialplan 6000", "safety net 6000",
            "agent SIP users"} <= names
    assert _by_name(results)["safety net 6000"].message == "last resort armed, park_timeout 7200 s"


@pytest.mark.parametrize("after, park_timeout, says", [
    (0, 0, "no last resort and no park_timeout: a call no controller takes waits parked for ever"),
    (30, 1200, "park_timeout 1200 s would hang up callers still waiting in a queue (the longest max_wait, 900 s, "
               "plus up to 600 s in the menus)")])
def test_a_missing_or_too_short_safety_net_is_named(sim: SimulatedSwitch, settings: dict, tmp_path: Path,
                                                    after: int, park_timeout: int, says: str) -> None:
    sim.arm_safety_net(after=after, park_timeout=park_timeout, apology="/sounds/apology.wav")
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["safety net 6000"]
    assert (check.status, check.message) == (Status.WARN, says)


@pytest.mark.parametrize("load, status", [(30, Status.OK), (29, Status.OK), (31, Status.FAIL), (80, Status.FAIL)])
def test_throttle_below_the_configured_load_is_flagged(settings: dict, tmp_path: Path, load: int,
                                                       status: Status) -> None:
    settings["switch"]["calls_per_second"] = load
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["switch throttle"]
    assert check.status is status
    if status is Status.FAIL:
        assert f'value="{load}"' in check.hint and "max" not in check.hint


def test_numbers_the_dialplan_does_not_park_for_fsapp(sim: SimulatedSwitch, settings: dict, tmp_path: Path) -> None:
    sim.add_extension("7000", "switchboard")
    sim.add_conference_extension("7100", "room")
    settings["numbers"] = {"6000": "main", "7000": "main", "7100": "main", "+4722000000": "main"}
    checks = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))
    assert checks["dialplan 6000"].status is Status.OK
    assert checks["dialplan 7000"].status is Status.FAIL
    assert "fsapp_entry=switchboard" in checks["dialplan 7000"].message
    assert "does not park" in checks["dialplan 7100"].message
    assert "no extension" in checks["dialplan +4722000000"].message
    assert "fsapp conf render --only dialplan" in checks["dialplan +4722000000"].hint


def test_an_empty_trunk_acl_is_named(settings: dict, tmp_path: Path) -> None:
    """With no trunk admitted, the trunks' profile challenges every call: doctor says so and what to do."""
    settings["freeswitch"] = {"trunk_acl": {}}
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["trunk ACL"]
    assert check.status is Status.WARN
    assert "challenge" in check.message and "freeswitch.trunk_acl" in check.hint


def test_unknown_context_fails(settings: dict, tmp_path: Path) -> None:
    settings["freeswitch"] = {"context": "nowhere"}
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["dialplan"]
    assert check.status is Status.FAIL and "'nowhere'" in check.message


def test_missing_modules(sim: SimulatedSwitch, settings: dict, tmp_path: Path) -> None:
    loaded_modules(sim.core).discard("mod_sofia")
    loaded_modules(sim.core).discard("mod_local_stream")
    checks = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))
    assert checks["switch modules"].status is Status.FAIL and "mod_sofia" in checks["switch modules"].message
    assert checks["module mod_local_stream"].status is Status.WARN


def test_the_fax_number_needs_mod_spandsp(sim: SimulatedSwitch, settings: dict, tmp_path: Path) -> None:
    assert "fax" not in _by_name(run_doctor(_config(settings, tmp_path), timeout=5))   # fax off: no check
    settings["fax"] = {"enabled": True, "number": "+4721000099"}
    assert _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["fax"].status is Status.OK
    loaded_modules(sim.core).discard("mod_spandsp")
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["fax"]
    assert check.status is Status.FAIL and "load mod_spandsp" in check.hint


def test_the_fax_number_warns_without_tesseract(settings: dict, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert "fax cover pages" not in _by_name(run_doctor(_config(settings, tmp_path), timeout=5))   # fax off
    settings["fax"] = {"enabled": True, "number": "+4721000099"}
    assert _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["fax cover pages"].status is Status.OK
    monkeypatch.setattr("fsapp.fax.cover.TESSERACT", "fsapp-no-such-tesseract")
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["fax cover pages"]
    assert check.status is Status.WARN and "tesseract-ocr" in check.hint
    assert "fsapp-no-such-tesseract is not installed" in check.message


def test_wrong_password_and_unreachable_switch(settings: dict, tmp_path: Path) -> None:
    settings["switch"]["password"] = "wrong"
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["event socket"]
    assert check.status is Status.FAIL and "rejected the password" in check.message
    settings["switch"].update(password="ClueCon", port=1)
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["event socket"]
    assert check.status is Status.FAIL and "cannot reach" in check.message


def test_database_not_migrated_or_missing(settings: dict, tmp_path: Path) -> None:
    stale = tmp_path / "stale.db"
    open_store(f"sqlite:///{stale}", migrate=False).migrate(target=1)
    settings["database"]["url"] = f"sqlite:///{stale}"
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["database"]
    assert check.status is Status.FAIL and "fsapp db migrate" in check.hint
    settings["database"]["url"] = f"sqlite:///{tmp_path}/absent.db"
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["database"]
    assert check.status is Status.FAIL and not (tmp_path / "absent.db").exists()


def test_invalid_queues_file_and_unserved_number(settings: dict, tmp_path: Path) -> None:
    broken = tmp_path / "acd.yaml"
    broken.write_text("queues:\n  q: {strategy: fastest}\n")
    settings["acd"]["file"] = str(broken)
    settings["numbers"]["6001"] = "supervisor"
    checks = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))
    assert checks["queues and agents"].status is Status.FAIL
    assert checks["queues and agents"].message.startswith(f"{broken}:")
    assert checks["published numbers"].status is Status.FAIL and "6001 -> supervisor" in checks[
        "published numbers"].message


def test_switch_checks_on_the_controllers_connection(sim: SimulatedSwitch, settings: dict, tmp_path: Path) -> None:
    config = _config(settings, tmp_path)
    connection = ESLConnection(sim.address[0], sim.port, "ClueCon").connect()
    try:
        results = run_switch_checks(connection, config)
        assert connection.connected
    finally:
        connection.close()
    assert [r.status for r in results] == [Status.OK] * len(results)
    assert results[0].name == "event socket" and [r.name for r in results[-2:]] == ["dialplan 6000", "safety net 6000"]


def test_cli_prints_one_line_per_check_and_exits_1_on_failure(settings: dict, tmp_path: Path) -> None:
    path = tmp_path / "fsapp.yaml"
    path.write_text(yaml.safe_dump(settings))
    runner = CliRunner()
    healthy = runner.invoke(main, ["--config", str(path), "doctor", "--timeout", "5"], env={})
    assert healthy.exit_code == 0, healthy.output
    lines = healthy.output.splitlines()
    assert lines[0].startswith("ok    configuration") and all(line.split()[0] == "ok" for line in lines)
    settings["switch"]["calls_per_second"] = 100
    path.write_text(yaml.safe_dump(settings))
    throttled = runner.invoke(main, ["--config", str(path), "doctor", "--json", "--timeout", "5"], env={})
    assert throttled.exit_code == 1
    failed = [c["name"] for c in json.loads(throttled.output) if c["status"] == "fail"]
    assert failed == ["switch throttle"]
    path.write_text("switch:\n  prot: 1\n")
    bad = runner.invoke(main, ["--config", str(path), "doctor"], env={})
    assert bad.exit_code == 1 and bad.output.startswith("fail  configuration:") and "did you mean" in bad.output


def test_hunt_follows_continue_and_first_match() -> None:
    context = """<context name="public">
      <extension name="tag" continue="true">
        <condition field="destination_number" expression="^\\+?47"><action application="set" data="cc=no"/></condition>
      </extension>
      <extension name="other"><condition field="destination_number" expression="^999$">
        <action application="hangup"/></condition></extension>
      <extension name="city"><condition field="destination_number" expression="^\\+4721000000$">
          <action application="set" data="fsapp_entry=main"/><action application="park"/></condition></extension>
      <extension name="late"><condition field="destination_number" expression="^\\+4721000000$">
        <action application="set" data="fsapp_entry=wrong"/><action application="park"/></condition></extension>
    </context>"""
    result = hunt(context, "+4721000000")
    assert result.extensions == ["tag", "city"]
    assert result.entry() == "main" and result.parks()
    assert hunt(context, "555").extensions == []


# The head of FreeSWITCH 1.10.12's stock dialplan/public.xml as `xml_locate` returns it, with fsapp's numbers
# included where its `public/*.xml` include stands.
STOCK_PUBLIC = """<context name="public">
  <extension name="unloop">
    <condition field="${unroll_loops}" expression="^true$"></condition>
    <condition field="${sip_looped_call}" expression="^true$">
      <action application="deflect" data="${destination_number}"></action>
    </condition>
  </extension>
  <extension name="outside_call" continue="true">
    <condition>
      <action application="set" data="outside_call=true"></action>
      <action application="export" data="RFC2822_DATE=${strftime(%a, %d %b %Y %T %z)}"></action>
    </condition>
  </extension>
  <extension name="call_debug" continue="true">
    <condition field="${call_debug}" expression="^true$" break="never">
      <action application="info"></action>
    </condition>
  </extension>
  <extension name="public_extensions">
    <condition field="destination_number" expression="^(10[01][0-9])$">
      <action application="transfer" data="$1 XML default"></action>
    </condition>
  </extension>
  <extension name="fsapp_main_6000">
    <condition field="destination_number" expression="^6000$">
      <action application="set" data="fsapp_entry=main"></action>
      <action application="park"></action>
    </condition>
  </extension>
</context>"""
STOCK_GLOBALS = "unroll_loops=true\ncall_debug=false\ndomain=127.0.0.1\n"


def test_stock_public_context_reaches_fsapps_number() -> None:
    """unloop needs ${sip_looped_call}, unknown for a plain call: it is not the match, fsapp's extension is."""
    facts = CallFacts.for_number("6000", "public", parse_globals(STOCK_GLOBALS))
    result = hunt(STOCK_PUBLIC, "6000", facts)
    assert result.extensions == ["outside_call", "fsapp_main_6000"]
    assert result.entry() == "main" and result.parks()
    assert result.assumed == ["unloop: ${sip_looped_call}"]
    check = number_check(STOCK_PUBLIC, "public", "6000", "main", parse_globals(STOCK_GLOBALS))
    assert check.status is Status.OK, check.line()
    assert "unloop: ${sip_looped_call}" in check.message
    staff = hunt(STOCK_PUBLIC, "1001", CallFacts.for_number("1001", "public", parse_globals(STOCK_GLOBALS)))
    assert staff.extensions == ["outside_call", "public_extensions"] and not staff.parks()


def test_conditions_on_unknown_fields_are_not_met() -> None:
    context = """<context name="public">
      <extension name="vip"><condition field="caller_id_number" expression="^555"/>
        <condition field="destination_number" expression="^6000$"><action application="hangup"/></condition>
      </extension>
      <extension name="night"><condition wday="1-7" hour="18-23"/>
        <condition field="destination_number" expression="^6000$"><action application="hangup"/></condition>
      </extension>
      <extension name="api"><condition field="${cond(1 == 1 ? yes : no)}" expression="^yes$">
        <action application="hangup"/></condition></extension>
      <extension name="flag"><condition field="${fsapp_test_flag}" expression="^on$">
        <action application="set" data="fsapp_entry=flagged"/></condition></extension>
      <extension name="fsapp"><condition field="destination_number" expression="^6000$">
        <action application="set" data="fsapp_entry=main"/><action application="park"/></condition></extension>
    </context>"""
    result = hunt(context, "6000")
    assert result.extensions == ["fsapp"] and result.entry() == "main"
    assert result.assumed == ["vip: caller_id_number", "night: time of day", "api: ${cond(1 == 1 ? yes : no)}",
                              "flag: ${fsapp_test_flag}"]
    known = hunt(context, "6000", CallFacts.for_number("6000", variables={"fsapp_test_flag": "on"}))
    assert known.extensions == ["flag"] and known.entry() == "flagged" and not known.parks()


def test_anti_actions_breaks_and_nested_conditions() -> None:
    context = """<context name="public">
      <extension name="closed" continue="true">
        <condition field="${open}" expression="^yes$" break="never">
          <anti-action application="set" data="closed=true"/>
        </condition>
      </extension>
      <extension name="nested"><condition field="destination_number" expression="^60">
          <action application="set" data="prefix=60"/>
          <condition field="destination_number" expression="^6001$"><action application="hangup"/></condition>
        </condition>
      </extension>
      <extension name="fsapp"><condition field="destination_number" expression="^6000$">
        <action application="set" data="fsapp_entry=main"/><action application="park"/></condition></extension>
    </context>"""
    result = hunt(context, "6000", CallFacts.for_number("6000", variables={"open": "no"}))
    assert result.extensions == ["closed", "fsapp"]
    assert result.actions == [("set", "closed=true"), ("set", "prefix=60"), ("set", "fsapp_entry=main"),
                              ("park", "")]
    assert hunt(context, "6001", CallFacts.for_number("6001", variables={"open": "no"})).extensions == [
        "closed", "nested"]


def test_agents_without_a_sip_user_on_the_switch(sim: SimulatedSwitch, settings: dict, tmp_path: Path) -> None:
    agents = load_acd_config(ROOT / "conf/acd.yaml").agents
    ingrid = agents["ingrid"].contact.removeprefix("user/")
    directory_users(sim.core).discard((ingrid, "fsapp.local"))
    connection = ESLConnection(sim.address[0], sim.port, "ClueCon").connect()
    try:
        assert connection.api(f"user_exists id {ingrid} fsapp.local") == "false"
        assert connection.api(f"user_exists id {agents['ola'].contact.removeprefix('user/')} fsapp.local") == "true"
        assert connection.api("user_exists id") == "false"
    finally:
        connection.close()
    check = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))["agent SIP users"]
    assert check.status is Status.FAIL
    assert check.message == f"not in the switch's directory: ingrid ({ingrid}@fsapp.local)"
    assert "--only directory" in check.hint


def test_every_switch_of_a_cluster_is_checked(sim: SimulatedSwitch, settings: dict, tmp_path: Path) -> None:
    second = SimulatedSwitch(password="ClueCon", speed=20.0)
    host, port = second.start()
    try:
        directory_users(second.core).update(directory_users(sim.core))
        loaded_modules(second.core).discard("mod_sofia")
        settings["switches"] = [{"name": "fs1", "host": sim.address[0], "port": sim.port},
                                {"name": "fs2", "host": host, "port": port}]
        checks = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))
    finally:
        second.stop()
    assert checks["fs1: switch modules"].status is Status.OK
    assert checks["fs2: switch modules"].status is Status.FAIL and "mod_sofia" in checks["fs2: switch modules"].message
    assert checks["fs1: agent SIP users"].status is checks["fs2: agent SIP users"].status is Status.OK
    assert "switch modules" not in checks


def test_doctor_says_which_languages_take_speech_and_which_keys_only(settings: dict, tmp_path: Path) -> None:
    model = tmp_path / "vosk-nb"
    model.mkdir()
    checks = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))
    assert checks["speech input"].status is Status.OK
    assert checks["speech input"].message.startswith("speech in en; keys only in da, fi, nb, pl, zh")
    settings["speech"] = {"vosk_models": {"nb": str(model)}}
    checks = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))
    assert checks["speech input"].message.startswith("speech in en, nb; keys only in da, fi, pl, zh")
    settings["speech"] = {"vosk_models": {"nb": str(tmp_path / "absent")}}
    checks = _by_name(run_doctor(_config(settings, tmp_path), timeout=5))
    assert checks["speech input"].status is Status.FAIL and "nb" in checks["speech input"].message


class _CheckLog(logging.Handler):
    """The controller's check summaries as they are logged, with a flag per summary."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.summaries: list[Flag] = [Flag() for _ in range(4)]
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")
        if " check(s), " in record.getMessage():
            self.summaries[self.count].set()
            self.count += 1


def test_the_controller_checks_the_switch_on_every_connect(sim: SimulatedSwitch, settings: dict,
                                                          tmp_path: Path) -> None:
    settings["switch"]["calls_per_second"] = 100   # above the simulated switch's 30: one failed check
    settings["paths"] = {"state": str(tmp_path / "state"), "recordings": str(tmp_path / "rec")}
    handler = _CheckLog()
    logger = logging.getLogger("fsapp.doctor.on_connect")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    controller = Controller(_config(settings, tmp_path)).start()
    try:
        assert handler.summaries[0].wait(20), handler.lines
        assert any(line.startswith("ERROR") and "switch throttle" in line for line in handler.lines)
        assert any("1 failed" in line for line in handler.lines)
        assert sim.drop_clients(listening=True) == 1   # the event socket: the link goes down
        assert handler.summaries[1].wait(20), handler.lines   # the reconnect is checked again
    finally:
        controller.stop()
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


@pytest.mark.parametrize("version, status", [("1.10.12-release 64bit", Status.OK), ("1.8.6 git", Status.OK),
                                             ("1.8.5-release~64bit", Status.FAIL), ("1.6.20-37~64bit", Status.FAIL),
                                             ("git-8c23d1e 2024-01-01", Status.OK)])
def test_a_switch_too_old_to_name_applications_is_refused(version: str, status: Status) -> None:
    check = switch_ready(f"UP 0 years, 0 days\nFreeSWITCH (Version {version}) is ready\n")
    assert check.status is status
    if status is Status.FAIL:
        assert "Event-UUID-Name" in check.message and "upgrade" in check.hint
