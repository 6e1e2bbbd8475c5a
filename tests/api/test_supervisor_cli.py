"""The supervisor commands over HTTP against a controller on the simulated switch."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main
from fsapp.controller import Controller
from fsapp.sim import CallerScript, SimulatedSwitch


def run(controller: Controller, *args: str, token: str = "tok-supervisor"):
    assert controller.api_server is not None
    return CliRunner().invoke(main, [*args[:2], "--url", controller.api_server.url, "--token", token, *args[2:]]
                              if args[0] in ("agent", "queue", "recordings") else
                              [args[0], "--url", controller.api_server.url, "--token", token, *args[1:]])


def test_agents_queues_and_monitor(controller: Controller) -> None:
    result = run(controller, "agent", "login", "ola")
    assert result.exit_code == 0 and result.output.strip() == "ola: available"
    queues = json.loads(run(controller, "queue", "list", "--json").output)
    water = next(q for q in queues if q["name"] == "water")
    members = [a for a, cfg in controller.acd_config.agents.items() if "water" in cfg.queues]
    assert water["agents"] == {"available": 1, "logged-out": len(members) - 1}
    once = run(controller, "monitor", "--once")
    assert once.exit_code == 0
    assert any(line.split()[:2] == ["ola", "available"] for line in once.output.splitlines())
    shown = run(controller, "queue", "show", "operator")
    assert shown.exit_code == 0 and "Waiting" in shown.output


def test_listen_refusals_are_clear(controller: Controller) -> None:
    run(controller, "agent", "login", "ingrid")
    idle = run(controller, "listen", "ingrid", "--from", "2001")
    assert idle.exit_code == 1
    assert "cannot listen on ingrid: agent ingrid has no call in progress (available)" in idle.output
    operator = run(controller, "barge", "ingrid", "--from", "2001", token="tok-operator")
    assert operator.exit_code == 1 and "refused: this token's role may not do that" in operator.output
    missing = CliRunner().invoke(main, ["listen", "ingrid", "--from", "2001", "--url", "http://127.0.0.1:1"],
                                 env={"FSAPP_API_TOKEN": ""})
    assert missing.exit_code == 1 and "no API token" in missing.output


def test_recordings_export_and_report(sim: SimulatedSwitch, controller: Controller, tmp_path: Path) -> None:
    sim.add_endpoint("1001", behaviour="answer", answer_after=0.5, hangup_after=2.0)
    run(controller, "agent", "login", "ingrid")
    uuid = sim.place_call(caller="+4790000055", script=CallerScript(keys=[(3.0, "0")], hangup_after=600.0))
    controller.wait_finished(uuid, 30.0)
    found = json.loads(run(controller, "recordings", "find", "--json", "--agent", "ingrid").output)
    assert [row["call_uuid"] for row in found] == [uuid]
    out = tmp_path / "export"
    exported = run(controller, "recordings", "export", "--out", str(out), "--caller", "90000055")
    assert exported.exit_code == 0, exported.output
    metadata = json.loads((out / "metadata.json").read_text())
    assert [row["file"] for row in metadata] == [Path(found[0]["path"]).name]
    assert (out / metadata[0]["file"]).read_bytes() == Path(found[0]["path"]).read_bytes()
    assert "call_uuid" in (out / "metadata.csv").read_text().splitlines()[0]
    day = controller.now().date().isoformat()
    report = run(controller, "report", "queues", "--from", day, "--format", "csv")
    assert report.exit_code == 0, report.output
    lines = report.output.splitlines()
    assert lines[0].startswith("queue,offered,answered") and lines[1].startswith("operator,1,1,0")
    chart = run(controller, "report", "agents", "--from", day, "--format", "png", "--out", str(tmp_path / "a.png"))
    assert chart.exit_code == 0 and (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
