"""Two ``fsapp run`` processes with ha.enabled: the active one is killed (SIGKILL) with callers waiting.

The simulated switches and a private PostgreSQL run in this process; the controllers are real processes, so
the kill is what a crashed machine does: sockets and the lock's database session vanish, nothing is written
on the way out. The standby must take the lock, restore the line from PostgreSQL and have the callers
answered in their original order.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import gevent
import psycopg2
import pytest
from gevent import subprocess
from gevent.socket import wait_read

from fsapp.api.client import ApiClient
from fsapp.config import Config
from fsapp.ha.acd_state import NOTIFY_CHANNEL
from tests.scaleout.conftest import ROOT, WAIT, Node, SeenEvents, bridge_legs
from tests.scaleout.callers import bridged, holding, queue_callers

pytestmark = pytest.mark.postgres
TOKEN = "tok-failover"


def _start(config_path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "--config", str(config_path), "run"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))


def _said(process: subprocess.Popen, prefix: str) -> str:
    """The next line ``fsapp run`` prints that starts with ``prefix`` (the hub keeps running meanwhile)."""
    with gevent.Timeout(WAIT, AssertionError(f"fsapp run never said {prefix!r}")):
        while True:
            line = process.stdout.readline()
            assert line, f"fsapp run ended before saying {prefix!r}"
            if line.startswith(prefix):
                return line.strip()


def _wait_for_shared_line(listener: Any, database_url: str, count: int) -> None:
    """Until the active controller's saved line in PostgreSQL holds ``count`` callers: each save is announced
    on ``fsapp_acd_state``, which ``listener`` (a psycopg2 connection) LISTENs to."""
    with gevent.Timeout(WAIT, AssertionError(f"the shared line never held {count} callers")):
        while _saved_line_length(database_url) != count:
            wait_read(listener.fileno())
            listener.poll()
            listener.notifies.clear()


def _saved_line_length(database_url: str) -> int:
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM acd_member")
        return int(cursor.fetchone()[0])


def test_killing_the_active_controller_hands_the_waiting_callers_to_the_standby(
        make_config, nodes: dict[str, Node], seen: SeenEvents, database_url: str, tmp_path: Path) -> None:
    make_config("active")
    standby_config: Config = make_config("standby", api={"listen": "127.0.0.1", "port": _free_port(),
                                                         "tokens": {TOKEN: "supervisor"}})
    active = _start(tmp_path / "active.yaml")
    standby = None
    try:
        _said(active, "fsapp controller running")
        standby = _start(tmp_path / "standby.yaml")
        _said(standby, "standby:")
        listener = psycopg2.connect(database_url)
        listener.autocommit = True
        listener.cursor().execute(f"LISTEN {NOTIFY_CHANNEL}")
        callers = queue_callers(nodes, seen, ["fs-a", "fs-b", "fs-b", "fs-a"])
        _wait_for_shared_line(listener, database_url, len(callers))
        listener.close()

        active.send_signal(signal.SIGKILL)
        assert active.wait(timeout=WAIT) == -signal.SIGKILL
        _said(standby, "fsapp controller running")
        for _, uuid in callers:
            seen.wait(holding(uuid), count=2)   # back on hold music, now from the standby
        api = ApiClient(f"http://127.0.0.1:{standby_config.api.port}", TOKEN)
        assert api.get("/api/v1/queues/service")["waiting"] == len(callers)
        api.post("/api/v1/agents/anna/login")
        uuids = [uuid for _, uuid in callers]
        bridges = seen.wait(bridged(uuids), count=len(uuids))
        assert [(node, bridge_legs(event)[0]) for node, event in bridges] == callers
        for node, uuid in callers:
            assert nodes[node].sim.wait_gone(uuid, WAIT)   # each conversation ended when the agent hung up
    finally:
        for process in (active, standby):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
