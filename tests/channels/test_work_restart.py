"""`fsapp run` restarted: waiting chats and mails are back in their queue in order, the operator's chat is back
on their desk, and the citizen's page carries on with the same chat id, no message lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fsapp.controller import Controller
from tests.channels.conftest import api_as, http, off_hub

CHAT = {"chat.enabled": True, "chat.queue": "roads", "email.queue": "roads"}


def _chat(controller: Controller, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    url = f"{controller.api_server.url}/chat{path}"   # type: ignore[union-attr]
    status, _head, answer = off_hub(http, method, url, body)
    return status, answer


def test_items_and_chats_survive_a_restart(make_controller: Callable[..., Controller]) -> None:
    first = make_controller(**CHAT)
    ingrid = api_as(first, "tok-ingrid")
    ingrid.post("/api/v1/agents/ingrid/login")
    _status, talking = _chat(first, "POST", "/v1/chats", {"text": "My street is flooded", "name": "Kari"})
    mail = first.channels.receive("email", "per@example.no", "Pothole", "A pothole on Storgata")
    _status, waiting = _chat(first, "POST", "/v1/chats", {"text": "Anyone there?"})
    [taken, *_] = [item["id"] for item in ingrid.get("/api/v1/work")["offered"]]
    ingrid.post(f"/api/v1/work/{taken}/accept")
    ingrid.post(f"/api/v1/work/{taken}/messages", {"text": "Which street?"})
    assert _chat(first, "POST", f"/v1/chats/{talking['id']}/messages", {"text": "Storgata"})[0] == 201
    line_before = [item.id for item in first.channels.desk.waiting("roads")]
    said_before = _chat(first, "GET", f"/v1/chats/{talking['id']}")[1]["messages"]
    first.stop()

    second = make_controller(None, **CHAT)   # the same store, the clock running on
    assert [item.id for item in second.channels.desk.waiting("roads")] == line_before
    assert [(i.kind, i.interaction_id) for i in second.channels.desk.waiting("roads")][0] == ("email", mail)
    ingrid = api_as(second, "tok-ingrid")
    assert [item["id"] for item in ingrid.get("/api/v1/work")["held"]] == [taken]
    status, view = _chat(second, "GET", f"/v1/chats/{talking['id']}")
    assert status == 200 and view["state"] == "talking" and view["messages"] == said_before
    assert [m["text"] for m in view["messages"]][-2:] == ["Which street?", "Storgata"]
    assert _chat(second, "GET", f"/v1/chats/{waiting['id']}")[1]["position"] == 2
    assert _chat(second, "POST", f"/v1/chats/{talking['id']}/messages", {"text": "Number 1"})[0] == 201
    seen = ingrid.get(f"/api/v1/work/{taken}/messages", after=len(said_before))
    assert [m["text"] for m in seen] == ["Number 1"]
    _status, another = _chat(second, "POST", "/v1/chats", {"text": "New after the restart"})
    new_ids = [item.id for item in second.channels.desk.waiting("roads")]
    assert new_ids[:2] == line_before and len(set(new_ids)) == 3
