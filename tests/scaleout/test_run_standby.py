"""``fsapp run`` with ha.enabled: a standby waits while another controller holds the lock, then takes over."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fsapp.config import Config
from fsapp.ha.standby import leader_lock_for
from tests.scaleout.conftest import ROOT, WAIT

pytestmark = pytest.mark.postgres


def _line(process: subprocess.Popen[str]) -> str:
    ready, _, _ = select.select([process.stdout], [], [], WAIT)
    assert ready, f"fsapp run said nothing within {WAIT} s"
    return process.stdout.readline().strip()


def test_run_waits_as_standby_and_starts_when_the_lock_is_free(make_config, tmp_path: Path) -> None:
    config: Config = make_config("run")
    holder = leader_lock_for(config)
    assert holder.try_acquire()
    process = subprocess.Popen([sys.executable, "-m", "cli", "--config", str(tmp_path / "run.yaml"), "run"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert _line(process) == f"standby: another controller holds leader lock {config.ha.lock_name!r}; waiting"
        health = subprocess.run([sys.executable, "-m", "cli", "--config", str(tmp_path / "run.yaml"), "health"],
                                cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert (health.returncode, health.stdout.strip()) == (0, "ok: standby, waiting for the leader lock")
        holder.release()
        assert _line(process) == f"leader lock {config.ha.lock_name!r} taken: this controller is active"
        names = ", ".join(f"{node.name} ({node.host}:{node.port})" for node in config.switches)
        assert _line(process) == f"fsapp controller running against {names}; Ctrl-C stops it"
        assert not holder.try_acquire(), "the running controller holds the lock"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT) == 0
        assert holder.try_acquire(), "a stopped controller gives the lock up"
    finally:
        holder.release()
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ha_needs_postgresql(make_config, tmp_path: Path) -> None:
    from fsapp.ha import HaError

    config: Config = make_config("sqlite", database={"url": f"sqlite:///{tmp_path}/fsapp.db"})
    with pytest.raises(HaError, match="needs database.url to be PostgreSQL"):
        leader_lock_for(config)
