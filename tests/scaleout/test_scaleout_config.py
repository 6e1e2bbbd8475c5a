"""``switches:`` and ``ha:`` in fsapp.yaml: parsed, defaulted from ``switch:``, errors located in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsapp.config import load_config
from fsapp.errors import ConfigError
from fsapp.switch.pool import SwitchPool, build_switch
from fsapp.switch.service import Switch


def _load(tmp_path: Path, text: str, env: dict[str, str] | None = None):
    path = tmp_path / "fsapp.yaml"
    path.write_text(text)
    return load_config(path, env=env or {})


def test_switches_default_to_the_switch_section(tmp_path: Path) -> None:
    config = _load(tmp_path, "switch:\n  port: 8021\n  password: s3cret\nswitches:\n"
                             "  - {name: fs1, host: 10.0.0.1}\n  - {name: fs2, host: 10.0.0.2, port: 8022}\n"
                             "ha:\n  enabled: true\n  lock_name: city\n")
    pool = build_switch(config)
    assert isinstance(pool, SwitchPool)
    assert [(n.name, n.client.address) for n in pool.nodes] == [("fs1", "10.0.0.1:8021"), ("fs2", "10.0.0.2:8022")]
    assert config.ha.enabled and config.ha.lock_name == "city"
    assert isinstance(build_switch(_load(tmp_path, "switch:\n  host: 10.0.0.9\n")), Switch)


@pytest.mark.parametrize("text, message", [
    ("switches:\n  - name: fs1\n    port: high\n", "fsapp.yaml:3: switches.0.port: must be an integer, not 'high'"),
    ("switches:\n  - name: fs1\n  - nme: fs2\n", "fsapp.yaml:3: switches.1.nme: unknown key 'nme' (did you mean 'name'?)"),
    ("switches:\n  name: fs1\n", "fsapp.yaml:1: switches: must be a list of mappings"),
])
def test_bad_switches_are_located(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    assert caught.value.located() == f"{tmp_path}/{message}"


def test_switch_names_must_differ(tmp_path: Path) -> None:
    config = _load(tmp_path, "switches:\n  - {name: fs1, host: a}\n  - {name: fs1, host: b}\n")
    with pytest.raises(ConfigError, match="switch names must be unique, got fs1, fs1"):
        build_switch(config)
