"""deploy/: the compose file parses and mounts what exists (or what `fsapp conf render` writes); unit files."""

from __future__ import annotations

import configparser
from pathlib import Path

import yaml

from fsapp.acd.loader import load_acd_config
from fsapp.config import load_config
from fsapp.render import render_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RENDER_DIR = "../var/freeswitch/"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_has_switch_database_and_controller() -> None:
    services = _compose()["services"]
    assert set(services) == {"freeswitch", "postgres", "fsapp"}
    assert services["freeswitch"]["image"].startswith("safarov/freeswitch:")
    assert services["postgres"]["image"].startswith("postgres:")
    assert (DEPLOY / services["fsapp"]["build"]["context"] / services["fsapp"]["build"]["dockerfile"]).is_file()
    assert set(services["fsapp"]["depends_on"]) == {"postgres", "freeswitch"}


def test_every_mount_exists_or_is_rendered(tmp_path: Path) -> None:
    """Bind mounts name repository paths, or files `fsapp conf render --out var/freeswitch` writes."""
    config = load_config(DEPLOY / "fsapp-compose.yaml", env={},
                         overrides={"freeswitch.secrets_file": str(tmp_path / "secrets.yaml")})
    rendered = tmp_path / "freeswitch"
    render_config(config, load_acd_config(ROOT / "conf/acd.yaml"), rendered, base=tmp_path)
    named_volumes = set(_compose().get("volumes") or {})
    for name, service in _compose()["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if source in named_volumes:
                continue
            if source.startswith(RENDER_DIR):
                assert (rendered / source[len(RENDER_DIR):]).exists(), f"{name}: {source} is not rendered"
            elif source.startswith(("../recordings", "../var/fax")):
                continue  # created at run time (and ignored by git)
            else:
                assert (DEPLOY / source).exists(), f"{name}: {source} does not exist"


def test_compose_config_points_the_switch_at_the_compose_network() -> None:
    config = load_config(DEPLOY / "fsapp-compose.yaml", env={})
    subnet = _compose()["networks"]["fsapp"]["ipam"]["config"][0]["subnet"]
    assert config.switch.host == "freeswitch"
    assert subnet in config.freeswitch.esl_acl.values()
    mounts = [m.split(":")[1] for m in _compose()["services"]["freeswitch"]["volumes"]]
    assert config.freeswitch.moh_dir in mounts


def test_systemd_unit_runs_as_fsapp_and_restarts() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read_string((DEPLOY / "fsapp.service").read_text())
    service = unit["Service"]
    assert service["User"] == "fsapp" and service["Restart"] == "on-failure"
    assert service["ExecStart"].split()[-1] == "run" and service["EnvironmentFile"].lstrip("-").startswith("/etc/")
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    rotate = (DEPLOY / "logrotate.d" / "fsapp").read_text()
    assert service["StandardOutput"].split(":", 1)[1].startswith("/var/log/fsapp/") and "/var/log/fsapp/*.log" in rotate


def test_dockerfile_runs_unprivileged_with_a_health_check() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    assert any(line.startswith("USER fsapp") for line in lines)
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    copied = [line.split()[1] for line in lines if line.startswith("COPY ")]
    for source in copied:
        assert (ROOT / source).exists(), source
    assert "dialplans" in copied and "conf" in copied
