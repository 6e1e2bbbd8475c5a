"""The published fax number in the rendered dialplan, and the fax settings' checks."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fsapp.acd.loader import load_acd_config
from fsapp.config import load_config
from fsapp.errors import ConfigError
from fsapp.render import render_config
from fsapp.render.errors import RenderError

ROOT = Path(__file__).resolve().parents[2]


def render(tmp_path: Path, **overrides: object) -> list[tuple[str, list[tuple[str | None, str | None]]]]:
    config = load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
        "speech.tts_cache": str(tmp_path / "tts"), **overrides})
    render_config(config, load_acd_config(ROOT / "conf" / "acd.yaml"), tmp_path / "out", ("dialplan",),
                  base=ROOT)
    root = ET.parse(tmp_path / f"out/dialplan/{config.freeswitch.context}/fsapp_numbers.xml").getroot()
    return [(condition.get("expression"), [(a.get("application"), a.get("data")) for a in condition.iter("action")])
            for condition in root.iter("condition") if condition.get("field") == "destination_number"]


def test_an_enabled_fax_number_parks_with_the_fax_entry(tmp_path: Path) -> None:
    extensions = render(tmp_path, **{"fax.enabled": True, "fax.number": "+4721000099"})
    [(pattern, actions)] = [(p, a) for p, a in extensions if re.fullmatch(p or "", "+4721000099")]
    assert pattern == r"^\+4721000099$"
    assert actions[0] == ("set", "fsapp_entry=fax") and actions[-1] == ("park", None)


def test_a_disabled_fax_number_is_not_published(tmp_path: Path) -> None:
    extensions = render(tmp_path, **{"fax.number": "+4721000099"})
    assert not [p for p, _ in extensions if re.fullmatch(p or "", "+4721000099")]


def test_a_number_for_two_services_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="also in numbers"):
        render(tmp_path, **{"fax.enabled": True, "fax.number": "6000"})


@pytest.mark.parametrize("key, value", [
    ("fax.number", "+47 21 00; evil"), ("fax.station_id", "A" * 21), ("fax.station_id", "1\n2"),
    ("fax.header", "${system(id)}"), ("fax.max_pages", 0), ("fax.dial_template", "sofia/gateway/pstn/x"),
    ("fax.dial_template", "{number},user/1001"), ("fax.receive_timeout", 10),
])
def test_bad_fax_settings_are_refused_on_load(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        load_config(None, env={}, overrides={key: value})
