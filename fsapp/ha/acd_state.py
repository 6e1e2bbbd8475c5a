"""The ACD's state in PostgreSQL, so a standby controller on another machine carries on with the same queues.

The active controller writes its router's snapshot after every change (as it would to ``acd-state.json``):
waiting callers in line order with priority and entry times go to ``acd_member``, agents' states to
``acd_agent``, the rest (sequence counter, queue statistics, calls in progress) to ``acd_router_state``.
A controller that becomes leader restores the router from these tables and reconciles with the switches.

    snapshot = acd_snapshot(config, store)          # SharedSnapshot on PostgreSQL, SnapshotFile otherwise
    router = restore_router(acd_config, clock, snapshot)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import peewee as pw

from fsapp.acd.clock import Clock
from fsapp.acd.config import AcdConfig
from fsapp.acd.router import Router
from fsapp.acd.snapshot_file import Snapshot, SnapshotFile
from fsapp.config import Config
from fsapp.store.lanes import in_store
from fsapp.store.models import AcdAgent, AcdMember, AcdRouterState

log = logging.getLogger(__name__)

ROUTER_ROW = "router"
STATE_FILE = "acd-state.json"
NOTIFY_CHANNEL = "fsapp_acd_state"


class SharedSnapshot:
    """The router's snapshot in the ``acd_*`` tables of ``database`` (replaced in one transaction per save).

    Each save is announced with ``NOTIFY fsapp_acd_state`` (:data:`NOTIFY_CHANNEL`), so a monitor can
    ``LISTEN`` instead of reading the tables over and over. A failed save is logged, not raised: the ACD
    keeps serving calls and the next change writes again.
    """

    def __init__(self, database: pw.Database, now: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.path = "database tables acd_member, acd_agent, acd_router_state"
        self._now = now or (lambda: datetime.now(timezone.utc))

    def save(self, data: dict[str, Any]) -> None:
        """Replace the saved snapshot with ``data`` (off the hub: the ACD's worker waits, the calls go on)."""
        try:
            in_store(self.database, self._save, data)
        except pw.PeeweeException as exc:
            log.error("ACD state not written to the database: %s", str(exc).strip().splitlines()[0])

    def _save(self, data: dict[str, Any]) -> None:
        members = data.get("members", [])
        agents = data.get("agents", {})
        rest = {key: value for key, value in data.items() if key not in ("members", "agents")}
        with self.database.atomic():
            AcdMember.delete().execute()
            if members:
                AcdMember.insert_many([_member_row(position, member)
                                       for position, member in enumerate(members)]).execute()
            AcdAgent.delete().execute()
            if agents:
                AcdAgent.insert_many([{"agent_id": agent_id, "state": saved["state"],
                                       "since": float(saved["since"]), "data": saved}
                                      for agent_id, saved in agents.items()]).execute()
            AcdRouterState.delete().where(AcdRouterState.name == ROUTER_ROW).execute()
            AcdRouterState.create(name=ROUTER_ROW, data=rest, saved_at=self._now())
            self.database.execute_sql(f"NOTIFY {NOTIFY_CHANNEL}")   # delivered when the save commits

    def load(self) -> dict[str, Any] | None:
        """The saved snapshot, or None when nothing was saved yet."""
        return in_store(self.database, self._load)

    def _load(self) -> dict[str, Any] | None:
        with self.database.atomic():
            row = AcdRouterState.get_or_none(AcdRouterState.name == ROUTER_ROW)
            if row is None:
                return None
            data = dict(row.data)
            data["members"] = [member.data for member in AcdMember.select().order_by(AcdMember.position)]
            data["agents"] = {agent.agent_id: agent.data for agent in AcdAgent.select()}
        return data


def _member_row(position: int, member: dict[str, Any]) -> dict[str, Any]:
    return {"call_uuid": member["call_uuid"], "position": position, "queue": member["queue"],
            "priority": int(member["priority"]), "arrived_at": float(member["arrived_at"]),
            "queue_entered_at": float(member["queue_entered_at"]), "data": member}


def acd_snapshot(config: Config, database: pw.Database) -> Snapshot:
    """The database when it is PostgreSQL (shared by every controller), else ``paths.state/acd-state.json``."""
    if isinstance(database, pw.PostgresqlDatabase):
        return SharedSnapshot(database)
    return SnapshotFile(Path(config.paths.state) / STATE_FILE)


def restore_router(config: AcdConfig, clock: Clock, snapshot: Snapshot) -> Router:
    """A router carrying on from ``snapshot`` (waiting callers in the same order), or a fresh one."""
    data = snapshot.load()
    if data is None:
        return Router(config, clock)
    router = Router.restore(config, clock, data)
    log.info("ACD restored from %s: %d waiting, %d agents", snapshot.path, len(router.members),
             len(router.agents))
    return router
