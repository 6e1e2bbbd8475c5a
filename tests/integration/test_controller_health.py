"""The heartbeat file and ``fsapp health``: what a container's health check sees."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from cli import main
from fsapp.health import HEARTBEAT_FILE, Heartbeat, judge
from fsapp.sim import SimulatedSwitch
from tests.integration.conftest import MONDAY_MORNING, WAIT


def beat_file(tmp_path: Path, **beat: object) -> Path:
    path = tmp_path / HEARTBEAT_FILE
    path.write_text(json.dumps(beat))
    return path


def test_a_fresh_connected_heartbeat_is_healthy_and_a_stale_one_is_not(tmp_path: Path) -> None:
    path = beat_file(tmp_path, at=1000.0, role="active", switch_connected=True)
    assert judge(path, now=1010.0, max_age=30).healthy
    stale = judge(path, now=1100.0, max_age=30)
    assert not stale.healthy and "100 s ago" in stale.reason


def test_a_controller_without_its_switch_is_unhealthy_but_a_standby_is_healthy(tmp_path: Path) -> None:
    lost = judge(beat_file(tmp_path, at=1000.0, role="active", switch_connected=False), now=1000.0, max_age=30)
    assert not lost.healthy and "not connected" in lost.reason
    standby = judge(beat_file(tmp_path, at=1000.0, role="standby"), now=1000.0, max_age=30)
    assert standby.healthy


def test_an_overloaded_switch_is_said_but_the_controller_is_healthy(tmp_path: Path) -> None:
    verdict = judge(beat_file(tmp_path, at=1000.0, role="active", switch_connected=True, callers_let_in=0.25,
                              callers_at_the_door=12, callers_refused=41), now=1000.0, max_age=30)
    assert verdict.healthy
    assert "overloaded: letting in 25% of new callers, 12 ringing at the door (41 refused so far)" in verdict.reason


def test_no_heartbeat_means_no_controller(tmp_path: Path) -> None:
    verdict = judge(tmp_path / HEARTBEAT_FILE, now=0.0, max_age=30)
    assert not verdict.healthy and "not running" in verdict.reason


def test_the_running_controller_reports_its_switch_and_stopping_removes_the_heartbeat(
        make_controller, sim: SimulatedSwitch) -> None:
    controller = make_controller(MONDAY_MORNING)
    assert controller.acd.reconciled.wait(WAIT)
    controller.heartbeat.write()
    path = Path(controller.config.paths.state) / HEARTBEAT_FILE
    verdict = judge(path, time.time(), max_age=30)
    assert verdict.healthy, verdict.reason
    assert verdict.beat["switch_connected"] and verdict.beat["acd_reconciled"]
    assert (verdict.beat["callers_let_in"], verdict.beat["callers_refused"]) == (1.0, 0)
    assert verdict.reason == "controller running and connected to its switch"

    runner = CliRunner()
    result = runner.invoke(main, ["health", "--json"], env={"FSAPP_PATHS_STATE": str(path.parent)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["healthy"] is True

    controller.stop()
    assert not path.exists()
    result = runner.invoke(main, ["health"], env={"FSAPP_PATHS_STATE": str(path.parent)})
    assert result.exit_code == 1 and "not running" in result.output


def test_a_heartbeat_is_replaced_whole(tmp_path: Path) -> None:
    beats = iter(range(3))
    heartbeat = Heartbeat(tmp_path / "state" / HEARTBEAT_FILE, lambda: {"n": next(beats)}, lambda: 5.0)
    heartbeat.write()
    heartbeat.write()
    assert json.loads(heartbeat.path.read_text())["n"] == 1
    assert [p.name for p in heartbeat.path.parent.iterdir()] == [HEARTBEAT_FILE]
