"""The work desk over the ACD's agents: who may take what, places in line, a chat beside a call."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsapp.acd.loader import load_acd_config
from fsapp.acd.router import Router
from fsapp.acd.states import AgentState, AgentStatus
from fsapp.channels.workdesk import WorkDesk, WorkError

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def desk() -> WorkDesk:
    clock = Clock()
    router = Router(load_acd_config(ROOT / "conf" / "acd.yaml"), clock)
    for agent in ("ingrid", "ola"):
        router.agent_login(agent)
    return WorkDesk(router, clock, max_per_agent=1)


def test_an_operator_on_a_call_may_take_a_chat_beside_it(desk: WorkDesk) -> None:
    item = desk.add("chat", "roads", summary="hello")
    ingrid = desk.router.agents["ingrid"]
    ingrid.status = AgentStatus("ingrid", AgentState.ON_CALL, desk.clock())
    assert [i.id for i in desk.offered("ingrid")] == [item.id]
    desk.accept(item.id, "ingrid")
    assert desk.offered("ingrid") == [] and desk.position(item.id) is None


def test_operators_away_or_not_in_the_queue_are_not_offered(desk: WorkDesk) -> None:
    item = desk.add("email", "water", summary="leak")
    assert desk.offered("ingrid") == []                      # not in the water queue
    assert [i.id for i in desk.offered("ola")] == [item.id]
    desk.router.agent_break("ola", "lunch")
    assert desk.offered("ola") == []
    with pytest.raises(WorkError, match="break"):
        desk.accept(item.id, "ola")


def test_a_language_asks_for_its_skill(desk: WorkDesk) -> None:
    english = desk.add("chat", "roads", language="en")
    assert english.skills == {"lang-en": 1}
    assert desk.add("chat", "roads", language="pl").skills == {}   # no lang-pl skill: any operator
    desk.router.agents["ola"].config.skills.pop("lang-en")
    assert english.id not in [i.id for i in desk.offered("ola")]
    assert english.id in [i.id for i in desk.offered("ingrid")]


def test_places_in_line_and_the_estimate(desk: WorkDesk) -> None:
    first, second = desk.add("chat", "roads"), desk.add("sms", "roads")
    assert (desk.position(first.id), desk.position(second.id)) == (1, 2)
    assert desk.estimated_wait(second.id) is not None and desk.estimated_wait(second.id) > desk.estimated_wait(first.id)
    desk.accept(first.id, "ola")
    with pytest.raises(WorkError, match="taken"):
        desk.accept(first.id, "ingrid")
    assert desk.position(second.id) == 1
    desk.close(first.id)
    with pytest.raises(WorkError):
        desk.close(first.id)


def test_a_channel_queue_the_acd_lacks_stops_the_controller_before_it_starts(tmp_path: Path) -> None:
    from fsapp.config import load_config
    from fsapp.controller import Controller
    from fsapp.errors import FsappError

    config = load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
        "database.url": f"sqlite:///{tmp_path / 'fsapp.db'}", "acd.file": str(ROOT / "conf" / "acd.yaml"),
        "ivr.flows_dir": str(ROOT / "ivr_scripts"), "paths.state": str(tmp_path), "email.queue": "nowhere"})
    with pytest.raises(FsappError, match="email.queue: no queue 'nowhere'"):
        Controller(config)
