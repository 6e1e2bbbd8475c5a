"""A simulated day through the real controller against Erlang C, and the same seed giving the same day."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from fsapp.config import load_config
from fsapp.simulate import SimulationSettings, simulate
from fsapp.simulate.operators import OperatorProfile
from fsapp.simulate.traffic import CallerProfile

FLOW = """\
name: straight
default_language: en
languages: [en]
start: q
nodes:
  q:
    kind: queue
    queue: line
"""

AGENTS = 6
ACD = {
    "skills": {"general": "General"},
    "defaults": {"service_level": {"target": 0.8, "seconds": 20}, "announce": {"every": 0},
                 "wrap_up": 0, "offer_timeout": 60, "record": False},
    "queues": {"line": {"strategy": "longest-idle", "required_skills": {"general": 1},
                        "default_handle_time": 180}},
    "agents": {f"a{n}": {"name": f"Agent {n}", "contact": f"user/{1000 + n}", "skills": {"general": 5},
                         "queues": ["line"]} for n in range(AGENTS)},
}


@pytest.fixture()
def config(tmp_path: Path):
    import yaml

    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "straight.yaml").write_text(FLOW)
    (tmp_path / "acd.yaml").write_text(yaml.safe_dump(ACD))
    (tmp_path / "fsapp.yaml").write_text(yaml.safe_dump({
        "ivr": {"flows_dir": str(flows), "entries": {"main": "straight"}, "default_language": "en"},
        "acd": {"file": str(tmp_path / "acd.yaml")},
        "speech": {"tts_cache": str(tmp_path / "tts")},
        "paths": {"state": str(tmp_path / "state"), "recordings": str(tmp_path / "rec")}}))
    return load_config(tmp_path / "fsapp.yaml")


def _settings(seed: int, hours: float = 4.0) -> SimulationSettings:
    # 5 Erlangs on 6 operators: 100 calls/h of 180 s, exponential; nobody gives up, nobody takes a break.
    return SimulationSettings(hours=hours, calls_per_hour=100, seed=seed,
                              callers=CallerProfile(menu_choices=[(None, 1.0)], patience=None, callback_share=0),
                              operators=OperatorProfile(answer_after=(0.0, 0.0), handle_time=180, breaks=[]))


def test_service_level_matches_erlang_c_over_several_seeds(config) -> None:
    measured, predicted = [], []
    for seed in (1, 2, 3):
        report, _ = simulate(config, _settings(seed))
        line = report["queues"]["line"]
        assert line["abandoned"] == 0 and line["answered"] == line["offered"] > 300
        measured.append(line["service_level"])
        predicted.append(line["erlang_c"]["service_level"])
    # Erlang C with the measured load; a 4-hour day's service level scatters by a few points between seeds
    assert statistics.mean(measured) == pytest.approx(statistics.mean(predicted), abs=0.06)


def test_the_same_seed_gives_the_same_day(config) -> None:
    first, _ = simulate(config, _settings(7, hours=1.0))
    second, _ = simulate(config, _settings(7, hours=1.0))
    other, _ = simulate(config, _settings(8, hours=1.0))
    strip = lambda report: {k: v for k, v in report.items() if k != "wall_seconds"}   # noqa: E731
    assert strip(first) == strip(second)
    assert strip(first) != strip(other)


def test_command_prints_one_json_object(config, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.main, ["--config", str(tmp_path / "fsapp.yaml"), "simulate", "--hours", "0.5",
                                           "--calls-per-hour", "60", "--json", "--plot", str(tmp_path / "d.png")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["overall"]["offered"] == report["queues"]["line"]["offered"] > 0
    assert (tmp_path / "d.png").stat().st_size > 1000


def test_arrivals_file_errors_name_the_line(tmp_path: Path, config) -> None:
    arrivals = tmp_path / "arrivals.csv"
    arrivals.write_text("hour,calls\n8,10\n9,many\n")
    result = CliRunner().invoke(cli.main, ["--config", str(tmp_path / "fsapp.yaml"), "simulate",
                                           "--arrivals", str(arrivals)])
    assert result.exit_code != 0
    assert f"{arrivals}:3: calls: 'many' is not a whole number" in result.output


def test_staffing_meets_the_target_in_every_hour_with_no_operator_to_spare(config) -> None:
    from fsapp.simulate import find_staffing
    from fsapp.simulate.erlang import erlang_c_service_level

    settings = SimulationSettings(hours=2.0, calls_per_hour=60, seed=5,
                                  callers=CallerProfile(menu_choices=[(None, 1.0)], patience=None,
                                                        callback_share=0),
                                  operators=OperatorProfile(answer_after=(0.0, 0.0), handle_time=180, breaks=[]))
    table = find_staffing(config, settings, target=0.8, seconds=20)
    assert [row["hour"] for row in table] == [0, 1]
    for row in table:
        assert row["service_level"] >= 0.8
        assert 1 <= row["operators"] <= AGENTS
    # 3 Erlangs: Erlang C wants 5 operators for 80/20, 4 give well under it; a simulated hour scatters, so
    # the search may land one either side of that, never far off.
    assert erlang_c_service_level(5, 3.0, 180, 20) >= 0.8 > erlang_c_service_level(4, 3.0, 180, 20)
    assert all(3 <= row["operators"] <= 6 for row in table)


def test_plot_draws_the_day(config, tmp_path: Path) -> None:
    from fsapp.simulate.plot import plot_day

    _, day = simulate(config, _settings(11, hours=0.5))
    path = plot_day(day, tmp_path / "day.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000


def test_speed_caps_simulated_time_per_real_second(config) -> None:
    import time

    settings = _settings(3, hours=0.25)
    settings.speed = 900.0   # 15 simulated minutes in at least one real second
    started = time.monotonic()
    report, _ = simulate(config, settings)
    assert time.monotonic() - started >= 1.0
    assert report["queues"]["line"]["offered"] > 0
