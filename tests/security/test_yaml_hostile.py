"""Hostile YAML through the one loading seam: alias bombs, deep nesting, odd scalars; the reload watcher lives on."""

from __future__ import annotations

import shutil
from pathlib import Path

import gevent
import pytest
from gevent.event import Event as Flag
from hypothesis import given, settings
from hypothesis import strategies as st

from fsapp.acd.errors import AcdConfigError
from fsapp.acd.loader import load_acd_config
from fsapp.config import load_config
from fsapp.errors import ConfigError, SourceError
from fsapp.ivr.registry import FlowRegistry
from fsapp.ivr.validate import validate_file
from fsapp.yamlsource import MAX_DEPTH, parse_yaml

REPO = Path(__file__).resolve().parents[2]


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The classic "billion laughs": about 0.7 KB that expands to width**levels values."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghij"[:levels - 1]:
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def deep(levels: int) -> str:
    return "x: " + "[" * levels + "]" * levels + "\n"


def one_line(error: SourceError) -> str:
    text = error.located()
    assert "\n" not in text and "Traceback" not in text
    return text


def test_an_alias_bomb_in_a_menu_is_refused_with_file_and_line(tmp_path: Path) -> None:
    menu = tmp_path / "bomb.yaml"
    menu.write_text("name: bomb\n" + alias_bomb())
    assert len(menu.read_bytes()) < 1024
    flow, errors = validate_file(menu)
    assert flow is None
    assert one_line(errors[0]).startswith(f"{menu}:") and "aliases are expanded" in errors[0].located()


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 3000, 100_000])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path, levels: int) -> None:
    menu = tmp_path / "deep.yaml"
    menu.write_text(deep(levels))
    flow, errors = validate_file(menu)
    assert flow is None and f"{menu}:1: YAML refused: nested deeper than {MAX_DEPTH} levels" == one_line(errors[0])


def test_self_referencing_alias_is_refused() -> None:
    with pytest.raises(SourceError, match="deeper than"):
        parse_yaml("a: &a [*a]\n", "x.yaml")


def test_the_configuration_file_and_acd_yaml_use_the_same_limits(tmp_path: Path) -> None:
    config = tmp_path / "fsapp.yaml"
    config.write_text(deep(3000))
    with pytest.raises(ConfigError) as caught:
        load_config(config, env={})
    assert one_line(caught.value).startswith(f"{config}:1: YAML refused")
    acd = tmp_path / "acd.yaml"
    acd.write_text(alias_bomb())
    with pytest.raises(AcdConfigError) as acd_caught:
        load_acd_config(acd)
    assert one_line(acd_caught.value).startswith(f"{acd}:")


@pytest.mark.parametrize("text, expected", [
    ("a: " + "9" * 5000 + "\n", "1: a: bad value"),
    ("a: 2024-13-45\n", "1: a: bad value: month must be in 1..12"),
    ("? [a]\n: b\n", "1: a key must be a plain value"),
    ("a: !!python/object/apply:os.system [id]\n", "1: a: unknown tag"),
    ("a: !!python/name:os.system x\n", "1: a: bad value: could not determine a constructor"),
    ("k:\n  - \x07\n", "2: YAML syntax: character #x0007 is not allowed"),
])
def test_bad_scalars_and_tags_are_one_line_errors(text: str, expected: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_yaml(text, "f.yaml")
    assert one_line(caught.value).startswith(f"f.yaml:{expected}")


YAML_PIECES = st.sampled_from(["a", ":", " ", "\n", "  ", "- ", "[", "]", "{", "}", ",", "&x ", "*x", "&y ",
                               "*y", "!!str ", "!!int ", "? ", "'", '"', "#", "|", ">", "---\n", "1e9999",
                               "0x1F", "2026-01-01", "\t", "%YAML 1.1\n", "\ufeff", "\x00", "\\"])  # any-date-ok


@settings(max_examples=300, deadline=None)
@given(st.lists(YAML_PIECES, max_size=60).map("".join))
def test_any_text_parses_or_gives_a_located_error(text: str) -> None:
    try:
        parse_yaml(text, "fuzz.yaml")
    except SourceError as exc:
        assert one_line(exc).startswith("fuzz.yaml")


def _registry(tmp_path: Path) -> FlowRegistry:
    shutil.copy(REPO / "ivr_scripts" / "main_menu.yaml", tmp_path / "main_menu.yaml")
    shutil.copy(REPO / "ivr_scripts" / "case_status.py", tmp_path / "case_status.py")
    registry = FlowRegistry(tmp_path, {"main": "main_menu"})
    assert registry.reload() == []
    return registry


def test_reload_keeps_the_last_good_flow_after_a_bomb_or_deep_file(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    good = registry.flow_for_entry("main")
    for hostile in (alias_bomb(), deep(3000)):
        (tmp_path / "main_menu.yaml").write_text("name: main_menu\n" + hostile)
        errors = registry.reload()
        assert errors and errors[0].located().startswith(str(tmp_path / "main_menu.yaml"))
        assert registry.flow_for_entry("main") is good


def test_an_unexpected_error_while_validating_refuses_the_file_only(tmp_path: Path, monkeypatch) -> None:
    registry = _registry(tmp_path)
    good = registry.flow_for_entry("main")

    def explode(path: object, hooks_dir: object = None) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("fsapp.ivr.registry.validate_file", explode)
    [error] = registry.reload()
    assert "RecursionError" in error.located() and registry.flow_for_entry("main") is good


def test_the_watcher_survives_any_error(tmp_path: Path, monkeypatch) -> None:
    registry = _registry(tmp_path)
    calls: list[int] = []
    second = Flag()

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RecursionError("maximum recursion depth exceeded")
        second.set()

    monkeypatch.setattr(registry, "reload_if_changed", flaky)
    watcher = registry.watch(interval_s=0.01)
    try:
        assert second.wait(5.0), "the watcher did not come back after the error"
        assert not watcher.dead
    finally:
        watcher.kill()
    gevent.idle()
