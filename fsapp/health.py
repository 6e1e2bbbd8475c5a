"""The controller's heartbeat: a small JSON file rewritten every few seconds, read by ``fsapp health``.

Container health checks and monitoring read the file instead of talking to the switch themselves, so
they report on the controller: a controller that hangs stops rewriting it, one that lost its switch says
so in it. Each write goes to a temporary file first and is renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent

from fsapp.errors import FsappError

log = logging.getLogger(__name__)

HEARTBEAT_FILE = "health.json"
HEARTBEAT_INTERVAL = 10.0   # seconds between writes
Probe = Callable[[], dict[str, Any]]


class Heartbeat:
    """Writes ``{"at": <epoch seconds>, "pid": ..., **probe()}`` to ``path`` every ``interval`` seconds."""

    def __init__(self, path: str | Path, probe: Probe, clock: Callable[[], float],
                 interval: float = HEARTBEAT_INTERVAL) -> None:
        self.path = Path(path)
        self.probe = probe
        self.clock = clock
        self.interval = interval
        self._greenlet: gevent.Greenlet | None = None

    def start(self) -> Heartbeat:
        """Write the first beat now (a reader may look at once), then every ``interval`` seconds."""
        self._beat()
        self._greenlet = gevent.spawn(self._run)
        return self

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)
            self._greenlet = None
        self.path.unlink(missing_ok=True)   # a stopped controller is not a healthy one

    def write(self) -> None:
        beat = {"at": self.clock(), "pid": os.getpid(), **self.probe()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(beat))
        partial.replace(self.path)

    def _beat(self) -> None:
        try:
            self.write()
        except OSError as exc:
            log.error("heartbeat %s not written: %s", self.path, exc)

    def _run(self) -> None:
        while True:
            gevent.sleep(self.interval)
            self._beat()


@dataclass(frozen=True)
class Health:
    """What a heartbeat file says, judged: ``healthy`` and the reason when not."""

    healthy: bool
    reason: str
    beat: dict[str, Any]


def judge(path: str | Path, now: float, max_age: float) -> Health:
    """Read the heartbeat at ``path``: healthy when it is fresh and the controller has its switch."""
    try:
        beat = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return Health(False, f"no heartbeat at {path}: the controller is not running", {})
    except (OSError, ValueError) as exc:
        raise FsappError(f"heartbeat {path} unreadable: {exc}") from exc
    age = now - float(beat.get("at", 0))
    if age > max_age:
        return Health(False, f"last heartbeat {age:.0f} s ago (more than {max_age:.0f} s): controller stuck", beat)
    if beat.get("role") == "standby":
        return Health(True, "standby, waiting for the leader lock", beat)
    if not beat.get("switch_connected"):
        return Health(False, "controller running but not connected to its switch", beat)
    share = float(beat.get("callers_let_in", 1.0))
    waiting = int(beat.get("callers_at_the_door", 0))
    if share < 1.0 or waiting:   # healthy: the controller is doing what it should while the switch cannot keep up
        return Health(True, f"controller running and connected; the switch is overloaded: letting in "
                            f"{share:.0%} of new callers, {waiting} ringing at the door "
                            f"({beat.get('callers_refused', 0)} refused so far)", beat)
    return Health(True, "controller running and connected to its switch", beat)
