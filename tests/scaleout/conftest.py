"""Two simulated FreeSWITCH nodes, a private PostgreSQL, and controllers configured for both nodes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gevent
import pytest
import yaml
from gevent.event import Event as Flag
from pgcluster import PostgresCluster

from fsapp.config import Config, load_config
from fsapp.esl.connection import ESLConnection
from fsapp.esl.events import Event
from fsapp.sim import SimulatedSwitch

ROOT = Path(__file__).resolve().parents[2]
SPEED = 10.0
WAIT = 20.0
MUSIC = "tone_stream://%(1000,3000,440);loops=-1"
FLOW = """\
name: queue_only
default_language: en
languages: [en]
start: service
nodes:
  service:
    kind: queue
    queue: service
"""
QUEUES = {
    "queues": {"service": {"strategy": "longest-idle", "hold_music": MUSIC, "wrap_up": 0}},
    "agents": {"anna": {"contact": "user/1001", "queues": ["service"]},
               "bo": {"contact": "user/1002", "queues": ["service"]}},
}



def bridge_legs(event: Event) -> tuple[str, str]:
    """(caller, agent's leg) of a CHANNEL_BRIDGE. The switch reports a bridge on its leg A: the agent's leg when
    it bridged itself to the caller (``intercept``), the caller's when fsapp bridged them."""
    a, b = event.get("Bridge-A-Unique-ID", ""), event.get("Bridge-B-Unique-ID", "")
    return (b, a) if event.get("variable_fsapp_role") == "agent" else (a, b)

class SeenEvents:
    """Events of every node as (node name, event), and a way to wait until one shows up."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Event]] = []
        self.agents: dict[str, str] = {}       # caller UUID -> the agent its bridge reached
        self._changed = Flag()

    def add(self, item: tuple[str, Event]) -> None:
        self.items.append(item)
        self._changed.set()

    def wait(self, predicate: Callable[[str, Event], bool], count: int = 1,
             timeout: float = WAIT) -> list[tuple[str, Event]]:
        with gevent.Timeout(timeout, AssertionError(f"fewer than {count} matching events within {timeout} s")):
            while True:
                found = [item for item in self.items if predicate(*item)]
                if len(found) >= count:
                    return found
                self._changed.clear()
                self._changed.wait()


class Node:
    """One simulated switch, its name in fsapp.yaml, and a watcher of its events (independent of fsapp)."""

    def __init__(self, name: str, seen: SeenEvents) -> None:
        self.name = name
        self.sim = SimulatedSwitch(password="ClueCon", speed=SPEED)
        self.host, self.port = self.sim.start()
        for phone in ("1001", "1002"):
            # Agents' phones are reachable from every node (through the load balancer in production).
            self.sim.add_endpoint(phone, behaviour="answer", answer_after=0.5, hangup_after=10.0)
        self.watcher = ESLConnection(self.host, self.port, "ClueCon").connect()
        self.watcher.subscribe(["PLAYBACK_START", "CHANNEL_BRIDGE"])
        self._reader = gevent.spawn(self._read, seen)

    def _read(self, seen: SeenEvents) -> None:
        for event in self.watcher.iter_events():
            if event.name == "CHANNEL_BRIDGE":
                caller, agent = bridge_legs(event)
                agent_leg = self.sim.channels.get(agent)
                if agent_leg is not None:
                    seen.agents[caller] = agent_leg.variables.get("fsapp_agent", "")
            seen.add((self.name, event))

    def stop(self) -> None:
        self._reader.kill(block=False)
        self.watcher.close()
        self.sim.stop()


@pytest.fixture
def seen() -> SeenEvents:
    return SeenEvents()


@pytest.fixture
def nodes(seen: SeenEvents) -> Iterator[dict[str, Node]]:
    started = {name: Node(name, seen) for name in ("fs-a", "fs-b")}
    yield started
    for node in started.values():
        node.stop()


@pytest.fixture
def database_url(postgres_cluster: PostgresCluster) -> str:
    """The private cluster's database, emptied (the first test migrates it)."""
    return postgres_cluster.fresh_url()


@pytest.fixture
def make_config(nodes: dict[str, Node], database_url: str, tmp_path: Path, request: pytest.FixtureRequest):
    """fsapp.yaml for a controller of both nodes (each controller gets its own state and recordings dirs)."""
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "queue_only.yaml").write_text(FLOW)
    (tmp_path / "acd.yaml").write_text(yaml.safe_dump(QUEUES))

    def make(name: str, **extra: Any) -> Config:
        settings = {
            "timezone": "Europe/Oslo", "database": {"url": database_url},
            "switch": {"password": "ClueCon"},
            "switches": [{"name": node.name, "host": node.host, "port": node.port} for node in nodes.values()],
            "ha": {"enabled": True, "lock_name": f"scaleout:{request.node.name}", "poll_interval": 0.05,
                   "check_interval": 0.2},
            "ivr": {"flows_dir": str(tmp_path / "flows"), "entries": {"main": "queue_only"},
                    "default_language": "en"},
            "acd": {"file": str(tmp_path / "acd.yaml")}, "speech": {"tts_cache": str(ROOT / "sounds" / "tts")},
            "paths": {"recordings": str(tmp_path / name / "recordings"), "state": str(tmp_path / name / "state")},
            **extra,
        }
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(settings))
        return load_config(path, env={})

    return make
