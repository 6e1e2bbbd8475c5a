"""``fsapp run --sim``: the controller as its own process, serving calls until SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_run_serves_until_sigterm(tmp_path: Path) -> None:
    env = dict(os.environ, FSAPP_DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
               FSAPP_PATHS_STATE=str(tmp_path / "state"), FSAPP_PATHS_RECORDINGS=str(tmp_path / "rec"))
    process = subprocess.Popen([sys.executable, "-m", "cli", "run", "--sim"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("simulated switch on 127.0.0.1:")
        assert process.stdout.readline().startswith("fsapp controller running against 127.0.0.1:")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_run_refuses_a_bad_configuration(tmp_path: Path) -> None:
    bad = tmp_path / "fsapp.yaml"
    bad.write_text("switch:\n  port: high\n")
    done = subprocess.run([sys.executable, "-m", "cli", "--config", str(bad), "run", "--sim"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == f"Error: {bad}:2: switch.port: must be an integer, not 'high'"
