"""Keeping the router's snapshot in a JSON file, so a restarted controller carries on where it was."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Protocol

from fsapp.acd.clock import Clock
from fsapp.acd.config import AcdConfig
from fsapp.acd.errors import SnapshotError
from fsapp.acd.router import Router
from fsapp.privatefiles import write_atomic

log = logging.getLogger(__name__)


class Snapshot(Protocol):
    """Where the router's snapshot is kept: ``save(data)``, ``load() -> data | None``, ``path`` for messages.

    :class:`SnapshotFile` keeps it in a file; ``fsapp.ha.acd_state.SharedSnapshot`` in PostgreSQL.
    """

    path: Any

    def save(self, data: dict[str, Any]) -> None: ...

    def load(self) -> dict[str, Any] | None: ...


class SnapshotFile:
    """One JSON file, replaced atomically on every save (a crash leaves the old or the new one), mode 0600."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def save(self, data: dict[str, Any]) -> None:
        """Replace the file (mode 0600: it holds callers' numbers)."""
        write_atomic(self.path, json.dumps(data, separators=(",", ":")))

    def load(self) -> dict[str, Any] | None:
        """The saved snapshot, or None when there is none; a damaged file raises SnapshotError."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{self.path}: not a router snapshot ({exc})") from None
        if not isinstance(data, dict):
            raise SnapshotError(f"{self.path}: not a router snapshot")
        return data


def load_router(config: AcdConfig, clock: Clock, snapshot_path: str | Path | None) -> Router:
    """A router restored from ``snapshot_path`` if it holds a snapshot, else a fresh one."""
    data = SnapshotFile(snapshot_path).load() if snapshot_path else None
    if data is None:
        return Router(config, clock)
    router = Router.restore(config, clock, data)
    log.info("ACD restored from %s: %d waiting, %d agents", snapshot_path, len(router.members),
             len(router.agents))
    return router
