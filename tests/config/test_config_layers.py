"""Configuration layers (defaults < file < FSAPP_* environment < flags) and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsapp.config import Config, load_config
from fsapp.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fsapp.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_loads_as_documented() -> None:
    config = load_config(ROOT / "conf" / "fsapp.yaml", env={})
    assert (config.switch.host, config.switch.port, config.switch.password) == ("127.0.0.1", 8021, "ClueCon")
    assert config.ivr.entries == {"main": "main_menu"}
    assert config.source == str(ROOT / "conf" / "fsapp.yaml")


def test_each_layer_overrides_the_one_before(tmp_path: Path) -> None:
    path = write(tmp_path, "switch:\n  host: 10.0.0.5\n  port: 8022\n  password: from-file\n")
    config = load_config(path, env={"FSAPP_SWITCH_PORT": "8023", "FSAPP_SWITCH_PASSWORD": "from-env",
                                    "FSAPP_TIMEZONE": "Europe/Warsaw"},
                         overrides={"switch.password": "from-flag", "switch.host": None})
    assert config.switch.host == "10.0.0.5"          # file (the flag was not given)
    assert config.switch.port == 8023                # environment over file
    assert config.switch.password == "from-flag"     # flag over environment
    assert config.timezone == "Europe/Warsaw"
    assert config.api.port == 8088                   # default


def test_unknown_key_names_file_line_and_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "timezone: Europe/Oslo\nswitch:\n  host: x\n  prot: 1\n")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert str(error.value) == f"{path}:4: switch.prot: unknown key 'prot' (did you mean 'port'?)"


@pytest.mark.parametrize("text, line, message", [
    ("switch:\n  port: abc\n", 2, "switch.port: must be an integer, not 'abc'"),
    ("switch:\n  port: 70000\n", 2, "switch.port: must be between 1 and 65535"),
    ("timezone: Mars/Olympus\n", 1, "timezone: unknown time zone 'Mars/Olympus'"),
    ("database:\n  url: mysql://x\n", 2, "database.url: must start with sqlite:// or postgresql://"),
    ("ivr:\n  entries: [main]\n", 2, "ivr.entries: must be a mapping"),
    ("switch: [1, 2]\n", 1, "switch: must be a mapping of keys to values"),
    ("switch:\n  host: a\n  host: b\n", 3, "switch.host: duplicate key 'host'"),
    ("switch:\n  host: [unclosed\n", 3, "YAML syntax"),
])
def test_bad_values_are_refused_with_their_location(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert str(error.value).startswith(f"{path}:{line}: {message}")


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="^FSAPP_SWITCH_PORT: switch.port: must be an integer"):
        load_config(None, env={"FSAPP_SWITCH_PORT": "eighty"})


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.yaml", env={})


def test_a_missing_or_undecodable_yaml_file_is_a_located_error(tmp_path: Path) -> None:
    from fsapp.acd.errors import AcdConfigError
    from fsapp.acd.loader import load_acd_config

    with pytest.raises(AcdConfigError, match=r"^/.*/acd\.yaml: cannot read the file: No such file or directory$"):
        load_acd_config(tmp_path / "acd.yaml")
    (tmp_path / "acd.yaml").write_bytes(b"queues: \xff\xfe\n")
    with pytest.raises(AcdConfigError, match=r"acd\.yaml: cannot read the file: 'utf-8' codec can't decode"):
        load_acd_config(tmp_path / "acd.yaml")


def test_outbound_dialling_is_configured_and_checked(tmp_path: Path) -> None:
    defaults = Config()
    assert defaults.outbound.dial_template() == "sofia/gateway/pstn/{number}" and defaults.outbound.caller_id() == {}
    path = tmp_path / "fsapp.yaml"
    path.write_text("outbound:\n  gateway: telco\n  caller_id_number: '+4721000000'\n  caller_id_name: Servicetorget\n")
    config = load_config(path, env={})
    assert config.outbound.dial_template() == "sofia/gateway/telco/{number}"
    assert config.outbound.caller_id() == {"origination_caller_id_number": "+4721000000",
                                           "origination_caller_id_name": "Servicetorget"}
    for key, value in [("gateway", "telco/x"), ("caller_id_number", "555,origination_uuid=x"),
                       ("caller_id_name", "City}sofia/gateway/evil")]:
        path.write_text(f"outbound:\n  {key}: '{value}'\n")
        with pytest.raises(ConfigError, match=f"fsapp.yaml:2: outbound.{key}: must be"):
            load_config(path, env={})
