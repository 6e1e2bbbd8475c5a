"""SMS end to end: the gateway's webhook on the API port with its own token, SMS waiting in a queue, answers
and closing notices through an HTTP gateway on loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fsapp.controller import Controller
from fsapp.notify.sms import LoopbackSmsServer
from fsapp.store import display_reference
from tests.api.api_waits import WAIT
from tests.channels.conftest import SMS_TOKEN, api_as, off_hub


def _post(url: str, body: dict[str, Any], token: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def sms_center(make_controller: Callable[..., Controller]) -> Iterator[tuple[Controller, LoopbackSmsServer]]:
    with LoopbackSmsServer(token="gateway-token") as gateway:
        controller = make_controller(**{
            "sms.webhook_token": SMS_TOKEN, "sms.gateway_url": gateway.url, "sms.gateway_token": "gateway-token",
            "sms.sender": "City", "sms.queue": "roads", "notices.enabled": True})
        controller.store.add_category("roads", "Roads and streets")
        yield controller, gateway


def test_sms_webhook_needs_its_token(sms_center: tuple[Controller, LoopbackSmsServer]) -> None:
    controller, _gateway = sms_center
    url = f"{controller.api_server.url}/hooks/sms"   # type: ignore[union-attr]
    message = {"from": "+4791234567", "text": "hello"}
    assert off_hub(_post, url, message, None)[0] == 403
    assert off_hub(_post, url, message, SMS_TOKEN[:-1] + "x")[0] == 403
    assert off_hub(_post, url, message, "tok-supervisor")[0] == 403   # an API token is not the webhook's
    assert controller.store.interactions(limit=5) == []
    status, answer = off_hub(_post, url, message, SMS_TOKEN)
    assert status == 200 and answer["interaction"] > 0


def test_sms_waits_in_a_queue_and_is_answered_through_the_gateway(
        sms_center: tuple[Controller, LoopbackSmsServer]) -> None:
    controller, gateway = sms_center
    store = controller.store
    kari = store.add_citizen("Kari Nordmann", ["+4791234567"])
    case = store.new_case("roads", "Pothole", "ingrid", citizen_id=kari.id)
    url = f"{controller.api_server.url}/hooks/sms"   # type: ignore[union-attr]
    status, _ = off_hub(_post, url, {"from": "+47 912 34 567",
                                     "text": f"{display_reference(case.reference)} still a hole"}, SMS_TOKEN)
    assert status == 200
    [threaded] = store.interactions(case_reference=case.reference)   # the citizen's own number: verified
    assert threaded["channel"] == "sms"
    ingrid = api_as(controller, "tok-ingrid")
    ingrid.post("/api/v1/agents/ingrid/login")
    [item] = ingrid.get("/api/v1/work")["offered"]
    assert item["kind"] == "sms"
    ingrid.post(f"/api/v1/work/{item['id']}/accept")
    ingrid.post(f"/api/v1/work/{item['id']}/messages", {"text": "Thanks, we are on it."})
    sent = off_hub(gateway.received.get, True, WAIT)
    assert (sent["to"], sent["from"], sent["text"]) == ("+4791234567", "City", "Thanks, we are on it.")


def test_closing_a_case_tells_the_citizen_by_sms(sms_center: tuple[Controller, LoopbackSmsServer]) -> None:
    controller, gateway = sms_center
    store = controller.store
    kari = store.add_citizen("Kari", ["+4791234567"], preferred_channel="sms", consent_sms=True, language="nb")
    case = store.new_case("roads", "Pothole", "ingrid", citizen_id=kari.id)
    for status in ("accepted", "in_progress", "resolved", "closed"):
        store.change_status(case.reference, status, "ingrid")
    sent = off_hub(gateway.received.get, True, WAIT)
    assert sent["to"] == "+4791234567" and "avsluttet" in sent["text"]
    assert gateway.received.empty()   # notices.statuses is [closed] by default: no notice for the others
