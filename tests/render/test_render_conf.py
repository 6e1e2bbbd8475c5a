"""`fsapp conf render`: well-formed XML built from fsapp.yaml and the agents file, stable secret passwords."""

from __future__ import annotations

import hashlib
import logging
import re
import stat
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli import main
from fsapp.acd.loader import load_acd_config, parse_acd_config
from fsapp.config import load_config
from fsapp.render import GatewayError, render_config
from fsapp.render.model import DIRECT_ENTRY, softphone_user
from fsapp.render.moh import GENERATED_NAME

ROOT = Path(__file__).resolve().parents[2]
ACD_FILE = ROOT / "conf" / "acd.yaml"
GATEWAY_PASSWORD = "trunk&pa<ss"


@pytest.fixture
def config(tmp_path: Path):
    config = load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
        "switch.password": "Esl&Secret<1>", "switch.port": 8123, "acd.file": str(ACD_FILE),
        "freeswitch.secrets_file": str(tmp_path / "var" / "secrets.yaml"),
        "speech.tts_cache": str(ROOT / "sounds" / "tts")})   # the last resort's apology, rendered once
    config.numbers = {"6000": "main", "+4721000000": "main", "*8": "main"}
    config.freeswitch.esl_acl = {"controller": "10.0.0.5/32", "standby": "10.0.0.6/32"}
    config.freeswitch.trunk_acl = {"telco": "192.0.2.0/24"}
    config.freeswitch.gateways = {"telco": f"sip:fsapp:{GATEWAY_PASSWORD.replace('&', '%26')}@sip.telco.example:5060"}
    return config


@pytest.fixture
def acd():
    return load_acd_config(ACD_FILE)


def _parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def test_every_file_is_well_formed(config, acd, tmp_path: Path) -> None:
    written = render_config(config, acd, tmp_path / "out", base=tmp_path)
    assert len(written) == 9   # the last resort's apology; the music directory is not there: nothing generated
    assert [path.suffix for path in written].count(".wav") == 1
    for path in written:
        if path.suffix == ".xml":
            _parse(path)


def test_event_socket_password_port_and_acl_come_from_config(config, acd, tmp_path: Path) -> None:
    render_config(config, acd, tmp_path / "out", ("event-socket",), base=tmp_path)
    settings = {p.get("name"): p.get("value")
                for p in _parse(tmp_path / "out/autoload_configs/event_socket.conf.xml").iter("param")}
    assert settings["password"] == "Esl&Secret<1>"
    assert settings["listen-port"] == "8123"
    acl_name = settings["apply-inbound-acl"]
    lists = {lst.get("name"): lst for lst in _parse(tmp_path / "out/autoload_configs/acl.conf.xml").iter("list")}
    assert lists[acl_name].get("default") == "deny"
    assert sorted(n.get("cidr") for n in lists[acl_name]) == ["10.0.0.5/32", "10.0.0.6/32"]
    assert stat.S_IMODE((tmp_path / "out/autoload_configs/event_socket.conf.xml").stat().st_mode) & 0o007 == 0


def test_every_agent_has_a_softphone_account(config, acd, tmp_path: Path) -> None:
    render_config(config, acd, tmp_path / "out", ("directory",), base=tmp_path)
    domain = _parse(tmp_path / "out/directory/fsapp.xml").find("domain")
    assert domain.get("name") == config.freeswitch.domain
    users = {}
    for user in domain.iter("user"):
        variables = {v.get("name"): v.get("value") for v in user.iter("variable")}
        users[variables["fsapp_agent"]] = (user.get("id"), user.find("params/param").get("value"))
    assert set(users) == set(acd.agents)
    passwords = yaml.safe_load(Path(config.freeswitch.secrets_file).read_text())["softphones"]
    for agent_id, (user, digest) in users.items():
        assert user == softphone_user(acd.agents[agent_id])
        expected = hashlib.md5(f"{user}:{config.freeswitch.domain}:{passwords[user]}".encode()).hexdigest()
        assert digest == expected
        assert passwords[user] not in (tmp_path / "out/directory/fsapp.xml").read_text()
    assert set(passwords) == {softphone_user(agent) for agent in acd.agents.values()}   # what the phone needs


def test_contacts_give_the_sip_user() -> None:
    acd = parse_acd_config("skills: {s: x}\nqueues: {q: {required_skills: {s: 1}}}\nagents:\n"
                           "  a: {contact: user/1001, skills: {s: 1}, queues: [q]}\n"
                           "  b: {contact: 'sofia/internal/1010@pbx.example', skills: {s: 1}, queues: [q]}\n"
                           "  c: {contact: 'loopback/9999', skills: {s: 1}, queues: [q]}\n")
    assert [softphone_user(acd.agents[a]) for a in "abc"] == ["1001", "1010", "c"]


def test_every_published_and_direct_number_sets_its_entry_and_parks(config, acd, tmp_path: Path) -> None:
    render_config(config, acd, tmp_path / "out", ("dialplan",), base=tmp_path)
    root = _parse(tmp_path / f"out/dialplan/{config.freeswitch.context}/fsapp_numbers.xml")
    entries = {**{agent.direct_number: DIRECT_ENTRY for agent in acd.agents.values() if agent.direct_number},
               **config.numbers}
    assert "+4722001012" in entries   # Marte's direct number in conf/acd.yaml
    found = {}
    for extension in root.iter("extension"):
        if extension.get("name") == "fsapp_last_resort":
            continue
        condition = extension.find("condition")
        actions = [(a.get("application"), a.get("data")) for a in condition.iter("action")]
        matching = [n for n in entries if re.fullmatch(condition.get("expression"), n)]
        assert len(matching) == 1, condition.get("expression")
        found[matching[0]] = actions
    assert set(found) == set(entries)
    for number, actions in found.items():
        assert actions == [("set", f"fsapp_entry={entries[number]}"), ("set", "fsapp_last_resort=armed"),
                           ("set", "park_timeout=7200:RECOVERY_ON_TIMER_EXPIRE"),
                           ("sched_transfer", f"+30 fsapp_last_resort XML {config.freeswitch.context}"), ("park", None)]


def test_the_last_resort_apologizes_then_dials_the_operator_number_or_hangs_up(config, acd, tmp_path: Path) -> None:
    config.freeswitch.last_resort_number = "+4721000099"
    render_config(config, acd, tmp_path / "out", ("dialplan",), base=tmp_path)
    root = _parse(tmp_path / f"out/dialplan/{config.freeswitch.context}/fsapp_numbers.xml")
    [last] = [e for e in root.iter("extension") if e.get("name") == "fsapp_last_resort"]
    number, armed = last.findall("condition")
    assert (number.get("field"), number.get("expression")) == ("destination_number", "^fsapp_last_resort$")
    assert (armed.get("field"), armed.get("expression")) == ("${fsapp_last_resort}", "^armed$")   # not dialable
    actions = [(a.get("application"), a.get("data")) for a in armed.iter("action")]
    apology = actions[2][1]
    assert actions == [("set", "fsapp_last_resort=used"), ("answer", None), ("playback", apology),
                       ("bridge", "sofia/gateway/pstn/+4721000099"), ("hangup", "NORMAL_TEMPORARY_FAILURE")]
    assert Path(apology).is_file() and apology.endswith(".wav")   # queue.apology, spoken in nb

    config.freeswitch.last_resort_after, config.freeswitch.park_timeout = 0, 0
    render_config(config, acd, tmp_path / "off", ("dialplan",), base=tmp_path)
    text = (tmp_path / f"off/dialplan/{config.freeswitch.context}/fsapp_numbers.xml").read_text()
    assert "fsapp_last_resort" not in text and "park_timeout" not in text


def test_feature_codes_park_with_their_feature(config, acd, tmp_path: Path) -> None:
    render_config(config, acd, tmp_path / "out", ("features",), base=tmp_path)
    context = _parse(tmp_path / f"out/dialplan/{config.freeswitch.operators_context}.xml").find("context")
    assert context.get("name") == config.freeswitch.operators_context
    features = {}
    for extension in context.iter("extension"):
        data = [a.get("data") for a in extension.iter("action") if a.get("application") == "set"]
        if "fsapp_entry=feature" in data:
            features[extension.find("condition").get("expression")] = data
    assert features == {rf"^\{code}$": ["fsapp_entry=feature", f"fsapp_feature={name}"]
                        for code, name in config.freeswitch.feature_codes.items()}


def test_sip_profiles_gateways_and_moh(config, acd, tmp_path: Path) -> None:
    render_config(config, acd, tmp_path / "out", ("sip", "moh"), base=tmp_path)
    trunks = _parse(tmp_path / "out/sip_profiles/fsapp_trunks.xml")
    gateway = trunks.find("profile/gateways/gateway")
    params = {p.get("name"): p.get("value") for p in gateway.iter("param")}
    assert (gateway.get("name"), params["proxy"], params["username"], params["password"]) == (
        "telco", "sip.telco.example:5060", "fsapp", GATEWAY_PASSWORD)
    settings = {p.get("name"): p.get("value") for p in trunks.find("profile/settings").iter("param")}
    assert settings["sip-port"] == str(config.freeswitch.trunks_port)
    assert settings["context"] == config.freeswitch.context
    operators = _parse(tmp_path / "out/sip_profiles/fsapp_operators.xml").find("profile/settings")
    assert {p.get("name"): p.get("value") for p in operators}["context"] == config.freeswitch.operators_context
    moh = _parse(tmp_path / "out/autoload_configs/local_stream.d/fsapp_moh.xml").find("directory")
    assert moh.get("name") == "moh" and moh.get("path") == str((tmp_path / "sounds" / "moh").resolve())


def test_hold_music_adds_a_stream_and_is_never_silent(config, acd, tmp_path: Path) -> None:
    """--only moh writes a snippet the switch's own local_stream.conf.xml includes, never a whole file."""
    music_dir = tmp_path / "sounds" / "moh"
    music_dir.mkdir(parents=True)
    written = render_config(config, acd, tmp_path / "out", ("moh",), base=tmp_path)
    assert written == [tmp_path / "out/autoload_configs/local_stream.d/fsapp_moh.xml", music_dir / GENERATED_NAME]
    assert not (tmp_path / "out/autoload_configs/local_stream.conf.xml").exists()
    snippet = (tmp_path / "out/autoload_configs/local_stream.d/fsapp_moh.xml").read_text()
    assert "<configuration" not in snippet and "X-PRE-PROCESS" not in snippet   # the switch acts on it anywhere
    stat_out = subprocess.run(["sox", str(music_dir / GENERATED_NAME), "-n", "stat"], capture_output=True,
                              text=True, check=True).stderr
    numbers = {line.split(":")[0].strip(): float(line.split(":")[1]) for line in stat_out.splitlines() if ":" in line}
    assert numbers["Length (seconds)"] == pytest.approx(16.0, abs=0.1)
    assert numbers["RMS     amplitude"] > 0.03   # audible all through, not a click
    info = subprocess.run(["soxi", str(music_dir / GENERATED_NAME)], capture_output=True, text=True, check=True)
    assert "Sample Rate    : 8000" in info.stdout and "Channels       : 1" in info.stdout
    before = (music_dir / GENERATED_NAME).stat().st_mtime_ns
    assert render_config(config, acd, tmp_path / "again", ("moh",), base=tmp_path) == [
        tmp_path / "again/autoload_configs/local_stream.d/fsapp_moh.xml"]   # music there: left as it is
    assert (music_dir / GENERATED_NAME).stat().st_mtime_ns == before


def test_the_citys_own_music_is_kept(config, acd, tmp_path: Path) -> None:
    music_dir = tmp_path / "sounds" / "moh"
    music_dir.mkdir(parents=True)
    (music_dir / "licensed.wav").write_bytes(b"RIFF")
    render_config(config, acd, tmp_path / "out", ("moh",), base=tmp_path)
    assert sorted(path.name for path in music_dir.iterdir()) == ["licensed.wav"]


@pytest.mark.parametrize("profile", ["fsapp_operators", "fsapp_trunks"])
def test_sip_profiles_keep_their_own_media_clock(config, acd, tmp_path: Path, profile: str) -> None:
    """Without rtp-timer-name, a caller who sends no RTP stretches prompts and shortens recordings."""
    render_config(config, acd, tmp_path / "out", ("sip",), base=tmp_path)
    settings = _parse(tmp_path / f"out/sip_profiles/{profile}.xml").find("profile/settings")
    assert {p.get("name"): p.get("value") for p in settings}["rtp-timer-name"] == "soft"


def test_rerender_keeps_passwords_and_adds_new_agents(config, acd, tmp_path: Path) -> None:
    render_config(config, acd, tmp_path / "a", ("directory",), base=tmp_path)
    secrets = Path(config.freeswitch.secrets_file)
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    first = yaml.safe_load(secrets.read_text())["softphones"]
    render_config(config, acd, tmp_path / "b", ("directory",), base=tmp_path)
    assert (tmp_path / "a/directory/fsapp.xml").read_text() == (tmp_path / "b/directory/fsapp.xml").read_text()
    text = ACD_FILE.read_text() + "  newcomer:\n    contact: user/1099\n    skills: {switchboard: 1}\n" \
                                  "    queues: [operator]\n"
    grown = parse_acd_config(text, str(ACD_FILE))
    render_config(config, grown, tmp_path / "c", ("directory",), base=tmp_path)
    second = yaml.safe_load(secrets.read_text())["softphones"]
    assert {k: v for k, v in second.items() if k != "1099"} == first
    assert second["1099"] and second["1099"] not in first.values()
    assert len(set(second.values())) == len(second)


def test_loose_secrets_file_is_tightened(config, acd, tmp_path: Path) -> None:
    secrets = Path(config.freeswitch.secrets_file)
    secrets.parent.mkdir(parents=True)
    secrets.write_text("softphones: {'1001': kept-password}\n")
    secrets.chmod(0o644)
    render_config(config, acd, tmp_path / "out", ("directory",), base=tmp_path)
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert yaml.safe_load(secrets.read_text())["softphones"]["1001"] == "kept-password"


def test_a_file_keyed_by_agent_moves_to_sip_users(config, acd, tmp_path: Path) -> None:
    """Files written before passwords were kept by SIP user: ingrid's password becomes user 1001's."""
    secrets = Path(config.freeswitch.secrets_file)
    secrets.parent.mkdir(parents=True)
    secrets.write_text("softphones: {ingrid: her-old-password, retired: kept-for-later}\n")
    secrets.chmod(0o600)
    render_config(config, acd, tmp_path / "out", ("directory",), base=tmp_path)
    stored = yaml.safe_load(secrets.read_text())["softphones"]
    assert stored["1001"] == "her-old-password" and "ingrid" not in stored
    assert stored["retired"] == "kept-for-later"
    directory = (tmp_path / "out/directory/fsapp.xml").read_text()
    assert hashlib.md5(f"1001:{config.freeswitch.domain}:her-old-password".encode()).hexdigest() in directory


def test_secrets_never_reach_the_logs(config, acd, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = Path(config.freeswitch.secrets_file)
    secrets.parent.mkdir(parents=True)
    secrets.write_text("softphones: {ingrid: loose-file-password}\n")
    secrets.chmod(0o644)
    render_config(config, acd, tmp_path / "out", base=tmp_path)
    passwords = yaml.safe_load(secrets.read_text())["softphones"]
    assert len(passwords) == len(acd.agents)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "generated softphone passwords" in logged and "restricting" in logged
    for secret in [*passwords.values(), config.switch.password, GATEWAY_PASSWORD]:
        assert secret not in logged


def test_gateway_pings_every_30_s_unless_told(config, acd, tmp_path: Path) -> None:
    config.freeswitch.gateways = {"telco": "sip:u:p@sip.telco.example", "quiet": "sip:10.0.0.9;register=false;ping=0"}
    render_config(config, acd, tmp_path / "out", ("sip",), base=tmp_path)
    gateways = {g.get("name"): {p.get("name"): p.get("value") for p in g.iter("param")}
                for g in _parse(tmp_path / "out/sip_profiles/fsapp_trunks.xml").iter("gateway")}
    assert gateways["telco"]["ping"] == "30" and "ping" not in gateways["quiet"]
    config.freeswitch.gateways = {"odd": "sip:10.0.0.9;ping=soon"}
    with pytest.raises(GatewayError, match="odd: ping must be a number"):
        render_config(config, acd, tmp_path / "out", ("sip",), base=tmp_path)


def test_bad_gateway_is_named_without_its_password(config, acd, tmp_path: Path) -> None:
    config.freeswitch.gateways = {"broken": "http://user:hunter2@host"}
    with pytest.raises(GatewayError) as caught:
        render_config(config, acd, tmp_path / "out", ("sip",), base=tmp_path)
    assert "broken" in str(caught.value) and "hunter2" not in str(caught.value)


def test_cli_renders_only_the_pieces_asked(config, tmp_path: Path) -> None:
    conf_file = tmp_path / "fsapp.yaml"
    conf_file.write_text(yaml.safe_dump({
        "switch": {"password": "cli-secret"}, "acd": {"file": str(ACD_FILE)}, "numbers": {"6000": "main"},
        "freeswitch": {"secrets_file": str(tmp_path / "s.yaml")}}))
    result = CliRunner().invoke(main, ["--config", str(conf_file), "conf", "render", "--out", str(tmp_path / "o"),
                                       "--only", "dialplan", "--only", "event-socket"])
    assert result.exit_code == 0, result.output
    files = sorted(str(p.relative_to(tmp_path / "o")) for p in (tmp_path / "o").rglob("*.xml"))
    assert files == ["autoload_configs/acl.conf.xml", "autoload_configs/event_socket.conf.xml",
                     "dialplan/public/fsapp_numbers.xml"]
    assert "cli-secret" not in result.output
    bad = CliRunner().invoke(main, ["--config", str(conf_file), "conf", "render", "--out", "x", "--only", "nope"])
    assert bad.exit_code != 0
