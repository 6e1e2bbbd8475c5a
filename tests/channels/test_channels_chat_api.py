"""The chat's JSON as a browser and an operator's page use it: places in line, the operator's limit, the
transcript kept, limits on what a browser sends, the sites allowed, out of hours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fsapp.api.client import ApiClientError
from fsapp.controller import Controller
from tests.channels.conftest import api_as, http, off_hub
from tests.integration.conftest import SUNDAY

SITE = "https://www.city.example"
CHAT = {"chat.enabled": True, "chat.queue": "roads", "chat.languages": ["nb", "en"], "chat.max_per_operator": 2,
        "chat.allowed_origins": [SITE], "chat.max_message": 200}


def _chat(controller: Controller, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    url = f"{controller.api_server.url}/chat{path}"   # type: ignore[union-attr]
    status, _head, answer = off_hub(http, method, url, body, headers)
    return status, answer


def test_chats_wait_in_line_and_an_operator_takes_them_up_to_the_limit(
        make_controller: Callable[..., Controller]) -> None:
    controller = make_controller(**CHAT)
    store = controller.store
    store.add_category("roads", "Roads and streets")
    kari = store.add_citizen("Kari", ["+4791234567"], email="kari@example.no")
    case = store.new_case("roads", "Pothole", "ingrid", citizen_id=kari.id)
    ingrid = api_as(controller, "tok-ingrid")
    ingrid.post("/api/v1/agents/ingrid/login")
    opened = []
    for number, who in enumerate(({"email": "Kari@Example.no", "name": "Kari"}, {}, {"phone": "+4799999999"}), 1):
        status, chat = _chat(controller, "POST", "/v1/chats", {"text": f"Question {number}", "language": "nb", **who})
        assert status == 201 and chat["state"] == "waiting" and chat["position"] == number
        opened.append(chat)
    assert [item["summary"] for item in ingrid.get("/api/v1/work")["offered"]] == \
        ["Question 1", "Question 2", "Question 3"]
    first, second, third = (item["id"] for item in ingrid.get("/api/v1/work")["offered"])
    ingrid.post(f"/api/v1/work/{first}/accept")
    ingrid.post(f"/api/v1/work/{second}/accept")
    with pytest.raises(ApiClientError) as beyond:
        ingrid.post(f"/api/v1/work/{third}/accept")
    assert beyond.value.status == 409 and "holds 2" in str(beyond.value)
    assert ingrid.get("/api/v1/work")["offered"] == []

    status, view = _chat(controller, "GET", f"/v1/chats/{opened[0]['id']}?after=1")
    assert view["state"] == "talking" and view["operator"] == "Ingrid"
    assert [m["author"] for m in view["messages"]] == ["system"]
    _status, waiting = _chat(controller, "GET", f"/v1/chats/{opened[2]['id']}")
    assert waiting["position"] == 1
    ingrid.post(f"/api/v1/work/{first}/messages", {"text": "Hello, how can I help?"})
    _chat(controller, "POST", f"/v1/chats/{opened[0]['id']}/messages", {"text": "The pothole again"})
    seen = ingrid.get(f"/api/v1/work/{first}/messages", after=2)
    assert [(m["author"], m["text"]) for m in seen] == [("operator", "Hello, how can I help?"),
                                                       ("citizen", "The pothole again")]
    closed = ingrid.post(f"/api/v1/work/{first}/close", {"case": case.reference})
    [kept] = store.interactions(case_reference=case.reference)
    assert kept["id"] == closed["interaction"] and kept["channel"] == "chat" and kept["citizen_id"] == kari.id
    assert "The pothole again" in kept["body"] and kept["agent"] == "ingrid"
    assert _chat(controller, "GET", f"/v1/chats/{opened[0]['id']}")[0] == 404
    ingrid.post(f"/api/v1/work/{third}/accept")   # a place is free again

    _chat(controller, "POST", f"/v1/chats/{opened[1]['id']}/close")   # the citizen leaves
    anonymous = [c for c in store.interactions(limit=10) if c["channel"] == "chat" and c["citizen_id"] is None]
    assert len(anonymous) == 1 and "Question 2" in anonymous[0]["body"]


def test_what_a_browser_sends_is_bounded(make_controller: Callable[..., Controller]) -> None:
    controller = make_controller(**CHAT)
    assert _chat(controller, "POST", "/v1/chats", {"text": "x" * 201})[0] == 400
    assert _chat(controller, "POST", "/v1/chats", {"text": "   "})[0] == 400
    assert _chat(controller, "POST", "/v1/chats", {"text": "hi", "phone": "not a number"})[0] == 400
    assert _chat(controller, "POST", "/v1/chats", {"text": "hi", "email": "<script>@x"})[0] == 400
    assert _chat(controller, "POST", "/v1/chats", {"text": ["a list"]})[0] == 400
    url = f"{controller.api_server.url}/chat/v1/chats"   # type: ignore[union-attr]
    assert off_hub(http, "POST", url, None, None, b'{"text": "' + b"x" * 5000 + b'"}')[0] == 413
    assert _chat(controller, "GET", "/v1/chats/not-a-chat-id-at-all")[0] == 404
    assert controller.channels.desk.waiting() == []


def test_only_allowed_sites_may_call_the_chat(make_controller: Callable[..., Controller]) -> None:
    controller = make_controller(**CHAT)
    url = f"{controller.api_server.url}/chat/v1/status"   # type: ignore[union-attr]
    status, head, _ = off_hub(http, "GET", url, None, {"Origin": SITE})
    assert status == 200 and head["Access-Control-Allow-Origin"] == SITE
    assert off_hub(http, "GET", url, None, {"Origin": "https://evil.example"})[0] == 403
    preflight = off_hub(http, "OPTIONS", url, None, {"Origin": SITE})
    assert preflight[0] == 204 and "POST" in preflight[1]["Access-Control-Allow-Methods"]


def test_a_browser_is_rate_limited(make_controller: Callable[..., Controller]) -> None:
    controller = make_controller(**CHAT, **{"chat.rate_per_minute": 3})
    statuses = [_chat(controller, "GET", "/v1/status")[0] for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]


def test_out_of_hours_the_widget_takes_a_message_or_a_callback(make_controller: Callable[..., Controller]) -> None:
    controller = make_controller(SUNDAY, **CHAT)
    status, state = _chat(controller, "GET", "/v1/status")
    assert status == 200 and state["open"] is False
    assert _chat(controller, "POST", "/v1/chats", {"text": "hello"})[0] == 409
    assert _chat(controller, "POST", "/v1/messages", {"text": "call me", "callback": True})[0] == 400   # no phone
    status, left = _chat(controller, "POST", "/v1/messages",
                         {"text": "Please call about my water bill", "phone": "912 34 567", "callback": True})
    assert status == 201
    [callback] = controller.store.pending_callbacks()
    assert (callback["number"], callback["queue"], callback["id"]) == ("+4791234567", "roads", left["callback"])
    assert controller.store.interaction(left["interaction"])["body"] == "Please call about my water bill"
