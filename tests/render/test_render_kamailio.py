"""`fsapp conf render --only kamailio`: the load balancer's configuration, its nodes and its softphone digests."""

from __future__ import annotations

import hashlib
import stat
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from kamailio_lab import KAMAILIO

from cli import main
from fsapp.acd.loader import load_acd_config
from fsapp.config import SwitchNodeConfig, load_config
from fsapp.errors import ConfigError
from fsapp.render import render_config
from fsapp.render.model import softphone_user

ROOT = Path(__file__).resolve().parents[2]
ACD_FILE = ROOT / "conf" / "acd.yaml"


@pytest.fixture
def config(tmp_path: Path):
    config = load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
        "acd.file": str(ACD_FILE), "freeswitch.secrets_file": str(tmp_path / "var" / "secrets.yaml"),
        "freeswitch.operators_port": 5070, "freeswitch.trunks_port": 5090,
        "balancer.listen": "udp:192.0.2.10:5060", "balancer.probe_interval": 7, "balancer.failover_timeout": 2.5})
    config.switches = [SwitchNodeConfig(name="fs1", host="10.0.0.11"), SwitchNodeConfig(name="fs2", host="10.0.0.12")]
    config.freeswitch.trunk_acl = {"telco": "192.0.2.0/24", "backup": "198.51.100.7/32"}
    return config


@pytest.fixture
def acd():
    return load_acd_config(ACD_FILE)


def _kamailio(config, acd, tmp_path: Path) -> Path:
    render_config(config, acd, tmp_path / "out", ("kamailio",), base=tmp_path)
    return tmp_path / "out" / "kamailio"


def _destinations(list_file: Path) -> list[tuple[str, ...]]:
    return [tuple(line.split()) for line in list_file.read_text().splitlines() if line and not line.startswith("#")]


def test_dispatcher_lists_every_node_trunk_and_operators_profile(config, acd, tmp_path: Path) -> None:
    out = _kamailio(config, acd, tmp_path)
    assert _destinations(out / "dispatcher.list") == [
        ("1", "sip:10.0.0.11:5090", "0", "0", "duid=fs1"), ("1", "sip:10.0.0.12:5090", "0", "0", "duid=fs2"),
        ("2", "sip:10.0.0.11:5070", "0", "0", "duid=fs1"), ("2", "sip:10.0.0.12:5070", "0", "0", "duid=fs2")]


def test_a_single_switch_is_the_only_node(config, acd, tmp_path: Path) -> None:
    config.switches = []
    config.switch.host = "10.0.0.20"
    destinations = _destinations(_kamailio(config, acd, tmp_path) / "dispatcher.list")
    assert [d[:2] for d in destinations] == [("1", "sip:10.0.0.20:5090"), ("2", "sip:10.0.0.20:5070")]


def test_subscribers_hold_the_directory_digests_and_stay_private(config, acd, tmp_path: Path) -> None:
    out = _kamailio(config, acd, tmp_path)
    render_config(config, acd, tmp_path / "out", ("directory",), base=tmp_path)
    passwords = yaml.safe_load(Path(config.freeswitch.secrets_file).read_text())["softphones"]
    domain = config.freeswitch.domain
    header, *rows = (out / "db" / "subscriber").read_text().splitlines()
    assert header.split()[1:] == ["username(string)", "domain(string)", "password(string,null)", "ha1(string)",
                                  "ha1b(string)"]
    subscribers = {row.split(":")[1]: row.split(":")[2:] for row in rows}
    directory = {user.get("id"): user.find("params/param").get("value")
                 for user in ET.parse(tmp_path / "out/directory/fsapp.xml").getroot().iter("user")}
    assert set(subscribers) == {softphone_user(agent) for agent in acd.agents.values()} == set(directory)
    for agent in acd.agents.values():
        user = softphone_user(agent)
        row_domain, clear, ha1, ha1b = subscribers[user]
        assert (row_domain, clear) == (domain, "")
        assert ha1 == hashlib.md5(f"{user}:{domain}:{passwords[user]}".encode()).hexdigest() == directory[user]
        assert ha1b == hashlib.md5(f"{user}@{domain}:{domain}:{passwords[user]}".encode()).hexdigest()
    assert stat.S_IMODE((out / "db" / "subscriber").stat().st_mode) & 0o007 == 0
    assert "version" in (out / "db" / "version").read_text()


def test_cfg_takes_its_values_from_the_configuration_unescaped(config, acd, tmp_path: Path) -> None:
    text = (_kamailio(config, acd, tmp_path) / "kamailio.cfg").read_text()
    assert "listen=udp:192.0.2.10:5060\n" in text
    assert 'modparam("dispatcher", "ds_ping_interval", 7)' in text
    assert 'modparam("tm", "fr_timer", 2500)' in text
    assert f'#!define FSAPP_DOMAIN "{config.freeswitch.domain}"' in text
    assert 'is_in_subnet("$si", "198.51.100.7/32,192.0.2.0/24")' in text
    assert f'"{(tmp_path / "out" / "kamailio").resolve()}/dispatcher.list"' in text
    assert "t_branch_timeout() && !t_branch_replied()" in text and "&amp;" not in text


def test_conf_dir_says_where_the_balancer_reads_its_files(config, acd, tmp_path: Path) -> None:
    config.balancer.conf_dir = "/etc/kamailio/fsapp"
    text = (_kamailio(config, acd, tmp_path) / "kamailio.cfg").read_text()
    assert '"/etc/kamailio/fsapp/dispatcher.list"' in text and '"text:///etc/kamailio/fsapp/db"' in text


@pytest.mark.skipif(not KAMAILIO, reason="kamailio is not installed (Debian package kamailio)")
@pytest.mark.parametrize("listen", ["udp:127.0.0.1:5060", "tcp:0.0.0.0:5070"])
def test_kamailio_accepts_the_rendered_cfg(config, acd, tmp_path: Path, listen: str) -> None:
    config.balancer.listen = listen
    cfg = _kamailio(config, acd, tmp_path) / "kamailio.cfg"
    checked = subprocess.run([str(KAMAILIO), "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30,
                             check=False)
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "config file ok" in checked.stderr


def test_balancer_keys_are_checked_where_they_are_written(tmp_path: Path) -> None:
    conf_file = tmp_path / "fsapp.yaml"
    conf_file.write_text("balancer:\n  probe_interval: 5\n  listen: 0.0.0.0:5060\n")
    with pytest.raises(ConfigError) as listen_error:
        load_config(conf_file, env={})
    assert listen_error.value.located().startswith(f"{conf_file}:3: balancer.listen: must be udp|tcp:ADDRESS:PORT")
    with pytest.raises(ConfigError, match="balancer.probe_interval: must be at least 1"):
        load_config(None, env={"FSAPP_BALANCER_PROBE_INTERVAL": "0"})
    with pytest.raises(ConfigError, match="balancer.failover_timeout"):
        load_config(None, env={"FSAPP_BALANCER_FAILOVER_TIMEOUT": "0"})


def test_cli_renders_the_balancer_only_when_asked(tmp_path: Path) -> None:
    conf_file = tmp_path / "fsapp.yaml"
    conf_file.write_text(yaml.safe_dump({
        "acd": {"file": str(ACD_FILE)}, "switches": [{"name": "fs1", "host": "10.0.0.11"}],
        "freeswitch": {"secrets_file": str(tmp_path / "s.yaml")}}))
    every = CliRunner().invoke(main, ["--config", str(conf_file), "conf", "render", "--out", str(tmp_path / "all")])
    assert every.exit_code == 0, every.output
    assert not (tmp_path / "all" / "kamailio").exists()
    only = CliRunner().invoke(main, ["--config", str(conf_file), "conf", "render", "--out", str(tmp_path / "lb"),
                                     "--only", "kamailio"])
    assert only.exit_code == 0, only.output
    assert sorted(str(p.relative_to(tmp_path / "lb")) for p in (tmp_path / "lb").rglob("*") if p.is_file()) == [
        "kamailio/db/subscriber", "kamailio/db/version", "kamailio/dispatcher.list", "kamailio/kamailio.cfg"]
    assert "softphone passwords:" in only.output
