"""Loading queues and agents from YAML: the example file, and bad files refused with FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsapp.acd import AcdConfigError, MaxWaitAction, Strategy, load_acd_config, parse_acd_config
from fsapp.errors import FsappError, SourceError

EXAMPLE = Path(__file__).resolve().parents[2] / "conf" / "acd.yaml"

GOOD = """\
skills:
  lang-nb: Norwegian
  building: Building
defaults:
  offer_timeout: 25
queues:
  operator:
    strategy: round-robin
  building:
    required_skills: {building: 3}
    max_wait: 300
    on_max_wait: {action: overflow, target: operator}
    exit_key: "1"
agents:
  anna:
    contact: user/1001
    skills: {lang-nb: 5, building: 4}
    queues: {building: 1, operator: 2}
"""


def refused(text: str) -> AcdConfigError:
    with pytest.raises(AcdConfigError) as caught:
        parse_acd_config(text, "acd.yaml")
    return caught.value


def test_example_file_loads() -> None:
    config = load_acd_config(EXAMPLE)
    service_queues = [name for name in config.queues if name != "operator"]
    assert {"building", "water", "schools", "care", "taxes", "roads"} <= set(service_queues)
    assert "operator" in config.queues
    assert {"lang-nb", "lang-en"} <= set(config.skills)
    assert all(agent.queues for agent in config.agents.values())
    assert {q.strategy for q in config.queues.values()} == set(Strategy)


def test_good_file_values_and_defaults() -> None:
    config = parse_acd_config(GOOD)
    building = config.queues["building"]
    assert building.required_skills == {"building": 3}
    assert building.on_max_wait is not None and building.on_max_wait.action is MaxWaitAction.OVERFLOW
    assert building.offer_timeout == 25 and config.queues["operator"].offer_timeout == 25
    assert config.agents["anna"].queues == {"building": 1, "operator": 2}


@pytest.mark.parametrize(("old", "new", "line", "key", "words"), [
    ("skills: {lang-nb: 5, building: 4}", "skills: {lang-nb: 5, plumbing: 4}", 17,
     "agents.anna.skills.plumbing", "unknown skill"),
    ("queues: {building: 1, operator: 2}", "queues: {building: 1, roads: 2}", 18,
     "agents.anna.queues.roads", "unknown queue"),
    ("max_wait: 300", "max_wait: -5", 11, "queues.building.max_wait", "negative"),
    ("  offer_timeout: 25", "  offer_timeout: -1", 5, "defaults.offer_timeout", "negative"),
    ("strategy: round-robin", "strategy: random", 8, "queues.operator.strategy", "unknown strategy"),
    ("target: operator}", "target: nowhere}", 12, "queues.building.on_max_wait.target", "unknown queue"),
    ("exit_key: \"1\"", "exit_key: \"12\"", 13, "queues.building.exit_key", "DTMF"),
    ("{lang-nb: 5, building: 4}", "{lang-nb: 11, building: 4}", 17, "agents.anna.skills.lang-nb", "1..10"),
    ("    contact: user/1001\n", "", 15, "agents.anna", "contact"),
    ("    required_skills", "    required_skilz", 10, "queues.building.required_skilz", "unknown setting"),
])
def test_bad_values_are_refused_with_file_and_line(old: str, new: str, line: int, key: str,
                                                   words: str) -> None:
    assert old in GOOD
    error = refused(GOOD.replace(old, new, 1))
    assert (error.path, error.line, error.key) == ("acd.yaml", line, key)
    assert words in error.message
    assert str(error).startswith(f"acd.yaml:{line}: {key}: ")
    assert isinstance(error, SourceError) and isinstance(error, FsappError)


def test_overflow_loops_are_refused() -> None:
    text = GOOD.replace("  operator:\n    strategy: round-robin\n",
                        "  operator:\n    max_wait: 60\n    on_max_wait: {action: overflow, target: building}\n")
    error = refused(text)
    assert "overflow loop" in error.message and error.line is not None


def test_yaml_syntax_errors_are_located(tmp_path: Path) -> None:
    path = tmp_path / "acd.yaml"
    path.write_text("queues:\n  q: {strategy: [\n")
    with pytest.raises(AcdConfigError) as caught:
        load_acd_config(path)
    assert caught.value.path == str(path) and caught.value.line is not None
