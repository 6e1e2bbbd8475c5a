"""The demo the README's first command runs: synthetic callers through the real menus and queues."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import cli

ROOT = Path(__file__).resolve().parents[2]


def test_demo_serves_every_call_and_records_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("FSAPP_PATHS_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("FSAPP_PATHS_RECORDINGS", str(tmp_path / "recordings"))
    result = CliRunner().invoke(cli.main, ["demo", "--calls", "5", "--speed", "20", "--seed", "3", "--json",
                                           "--db", f"sqlite:///{tmp_path / 'demo.db'}"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    calls = report["calls"]
    assert len(calls) == 5
    for call in calls:
        assert call["ivr_path"].startswith("opening_hours>welcome>main>")
        assert call["queue"], call
        assert call["outcome"] == "answered" and call["agent"], call
    assert {queue["queue"] for queue in report["queues"]} >= {"operator", "building"}
    contacts = {(row["channel"], row["direction"]): row["contacts"] for row in report["channels"]}
    assert contacts[("email", "in")] == 1 and contacts[("chat", "in")] == 1 and contacts[("phone", "in")] >= 5
    assert len(report["work"]) == 2 and all("taken by" in line for line in report["work"]), report["work"]
