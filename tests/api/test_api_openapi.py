"""Every route's responses checked against the OpenAPI document; SSE, screen-pop and Open311 mount."""

from __future__ import annotations

import re
from typing import Any

import gevent
import jsonschema
from openapi_spec_validator import validate as validate_spec

from fsapp.api.client import ApiClient, ApiClientError
from fsapp.api.routes import ROUTES
from fsapp.channels.conversations import Visitor
from fsapp.controller import Controller
from fsapp.sim import CallerScript, SimulatedSwitch
from tests.api.api_waits import wait_until


class CheckedClient(ApiClient):
    """Validates every JSON answer (success or error) against the document; remembers what it checked."""

    def __init__(self, url: str, token: str, document: dict[str, Any], seen: set[tuple[str, str, int]]) -> None:
        super().__init__(url, token)
        self.document, self.seen = document, seen

    def _template(self, method: str, path: str) -> str:
        for route in ROUTES:
            if route.method == method and route.pattern.match(path):
                return route.path
        raise AssertionError(f"{method} {path} is not in the route table")

    def request(self, method: str, path: str, query: dict | None = None, body: Any = None) -> Any:
        template = self._template(method, path)
        try:
            result, status = super().request(method, path, query, body), None
        except ApiClientError as exc:
            result, status = {"error": str(exc).split(": ", 1)[1]}, exc.status
            self._check(method, template, status, result)
            raise
        operation = self.document["paths"][template][method.lower()]
        status = int(next(code for code in operation["responses"] if code.startswith("2")))
        self._check(method, template, status, result)
        return result

    def _check(self, method: str, template: str, status: int, body: Any) -> None:
        response = self.document["paths"][template][method.lower()]["responses"][str(status)]
        schema = response["content"]["application/json"]["schema"]
        jsonschema.validate(body, {**schema, "components": self.document["components"]},
                            cls=jsonschema.Draft202012Validator)
        self.seen.add((method, template, status))


def test_every_route_answers_as_documented(sim: SimulatedSwitch, controller: Controller, api: ApiClient) -> None:
    document = ApiClient(controller.api_server.url, None).get("/openapi.json")   # served without a token
    validate_spec(document)
    seen: set[tuple[str, str, int]] = set()
    admin = CheckedClient(controller.api_server.url, "tok-admin", document, seen)
    sim.add_endpoint("1001", behaviour="answer", answer_after=0.5, hangup_after=None)
    sim.add_endpoint("2001", behaviour="answer", answer_after=0.5, hangup_after=None)
    waiting = sim.place_call(caller="+4790000001", script=CallerScript(keys=[(3.0, "0")], hangup_after=600.0))
    wait_until(lambda: any(c["uuid"] == waiting for c in admin.get("/api/v1/queues/operator")["calls"]),
               what="a waiting call")
    admin.get("/api/v1/state"), admin.get("/api/v1/queues"), admin.get("/api/v1/agents")
    admin.get("/api/v1/agents/ola"), admin.get("/api/v1/calls"), admin.get("/api/v1/alerts")
    admin.post(f"/api/v1/calls/{waiting}/priority", {"priority": 2})
    admin.post(f"/api/v1/calls/{waiting}/move", {"queue": "roads"})
    admin.post("/api/v1/agents/ola/login", {"reason": "meeting"})
    admin.post("/api/v1/agents/ola/resume"), admin.post("/api/v1/agents/ola/break", {"reason": "x"})
    admin.post("/api/v1/agents/ola/logout")
    admin.post("/api/v1/agents/ingrid/login")   # serves roads: the moved call is offered to her
    wait_until(lambda: admin.get("/api/v1/agents/ingrid")["state"] == "on-call", what="ingrid talking")
    admin.post(f"/api/v1/calls/{waiting}/recording/start")
    admin.post(f"/api/v1/calls/{waiting}/recording/stop")
    admin.post(f"/api/v1/calls/{waiting}/recording/optout")
    admin.post("/api/v1/queues/roads/recording", {"record": False})
    admin.post("/api/v1/queues/roads/recording", {"record": True})
    session = admin.post("/api/v1/supervision", {"agent": "ingrid", "extension": "2001"})
    admin.get("/api/v1/supervision")
    admin.post(f"/api/v1/supervision/{session['id']}/mode", {"mode": "whisper"})
    admin.delete(f"/api/v1/supervision/{session['id']}")
    for extension in ("1011", "3001"):
        sim.add_endpoint(extension, behaviour="answer", answer_after=0.5, hangup_after=None)
    admin.post(f"/api/v1/calls/{waiting}/consult", {"dial": "user/3001"})
    admin.post(f"/api/v1/calls/{waiting}/consult/cancel")
    admin.post(f"/api/v1/calls/{waiting}/consult", {"dial": "user/3001"})
    admin.post(f"/api/v1/calls/{waiting}/consult/conference")
    second = sim.place_call(caller="+4790000002", script=CallerScript(keys=[(3.0, "0")], hangup_after=600.0))
    wait_until(lambda: any(c["uuid"] == second for c in admin.get("/api/v1/queues/operator")["calls"]),
               what="a second waiting call")
    admin.post(f"/api/v1/calls/{second}/transfer", {"queue": "operator"})
    admin.post("/api/v1/agents/erik/login")
    wait_until(lambda: admin.get("/api/v1/agents/erik")["state"] == "on-call", what="erik talking")
    admin.post(f"/api/v1/calls/{second}/consult", {"dial": "user/3001"})
    admin.post(f"/api/v1/calls/{second}/consult/complete")
    admin.get("/api/v1/recordings"), admin.get("/api/v1/reports/daily"), admin.get("/api/v1/audit")
    chat = controller.channels.conversations.open_chat("roads", Visitor(name="Kari"), "Hello")   # beside her call
    [item] = admin.get("/api/v1/work/waiting")
    assert [offered["id"] for offered in admin.get("/api/v1/work", agent="ingrid")["offered"]] == [item["id"]]
    admin.post(f"/api/v1/work/{item['id']}/accept", {"agent": "ingrid"})
    admin.post(f"/api/v1/work/{item['id']}/messages", {"agent": "ingrid", "text": "Hi Kari"})
    admin.get(f"/api/v1/work/{item['id']}/messages", agent="ingrid", after=1)
    admin.post(f"/api/v1/work/{item['id']}/close", {"agent": "ingrid"})
    assert chat["id"] not in controller.channels.chats.chats
    message = controller.store.save_recording({"call_uuid": second, "path": "/nowhere/m.wav", "caller_number":
                                               "+4790000002"}, kind="voicemail")
    admin.get("/api/v1/voicemails", open="true"), admin.post(f"/api/v1/voicemails/{message}/done", {"done": True})
    admin.post(f"/api/v1/calls/{waiting}/hangup")
    for bad in (lambda: admin.get("/api/v1/queues/nowhere"), lambda: admin.get("/api/v1/reports/weekly"),
                lambda: admin.post("/api/v1/agents/ola/logout"), lambda: admin.post(
                    f"/api/v1/calls/{waiting}/priority", {"priority": "high"})):
        try:
            bad()
        except ApiClientError:
            pass
        else:
            raise AssertionError("expected an error answer")
    documented = {(route.method, route.path) for route in ROUTES}
    assert documented == {(method, path) for method, path, status in seen if status < 300}
    assert {status for *_, status in seen if status >= 400} == {400, 404, 409}


def test_event_stream_reports_agent_changes(controller: Controller, api: ApiClient) -> None:
    events = api.events()
    kind, snapshot = next(events)
    assert kind == "snapshot" and {row["id"] for row in snapshot["agents"]} >= {"ingrid", "ola"}
    received: list[tuple[str, dict]] = []

    def read() -> None:
        for kind, data in events:
            received.append((kind, data))
            if kind == "agent" and data["id"] == "ola" and data["state"] == "break":
                return
    reader = gevent.spawn(read)
    api.post("/api/v1/agents/ola/login")
    api.post("/api/v1/agents/ola/break", {"reason": "coffee"})
    reader.join(timeout=15)
    assert reader.successful(), "the stream reported ola's break"
    states = [data["state"] for kind, data in received if kind == "agent" and data["id"] == "ola"]
    assert states[-1] == "break" and set(states) <= {"available", "break"}
    events.close()


def test_screen_pop_shows_citizen_cases_and_path(sim: SimulatedSwitch, controller: Controller,
                                                 api: ApiClient) -> None:
    store = controller.store
    store.add_category("roads", "Roads & <streets>")
    citizen = store.add_citizen("Kari <Nordmann>", ["+4790000077"]).id
    reference = store.new_case("roads", "pothole", "test", citizen_id=citizen).reference
    uuid = sim.place_call(caller="+4790000077", script=CallerScript(keys=[(3.0, "0")], hangup_after=8.0))
    controller.wait_finished(uuid, 30.0)
    url = f"/screen-pop/{uuid}?token=tok-operator"
    connection, response = ApiClient(controller.api_server.url, None)._open("GET", url, None, None, 10)
    page = response.read().decode()
    connection.close()
    assert "Kari &lt;Nordmann&gt;" in page and reference in page
    assert re.search(r"<li>main</li><li>to_operator</li>", page)
    assert [(e["action"], e["actor"]) for e in store.audit_trail("citizen", citizen)][0][0] == "read"
    assert store.audit_trail("citizen", citizen)[0]["actor"].startswith("operator:")
    try:
        ApiClient(controller.api_server.url, None).get(f"/screen-pop/{uuid}")
    except ApiClientError as exc:
        assert exc.status == 401
    else:
        raise AssertionError("the page needs a token")


def test_open311_is_mounted(controller: Controller) -> None:
    controller.store.add_category("roads", "Roads")
    services = ApiClient(controller.api_server.url, None).get("/open311/v2/services.json")
    assert [service["service_code"] for service in services] == ["roads"]


def test_screen_pop_of_a_ringing_call_shows_the_menu_path(sim: SimulatedSwitch, controller: Controller) -> None:
    from gevent.event import AsyncResult

    sim.add_endpoint("1001", behaviour="answer", answer_after=60.0, hangup_after=2.0)
    controller.acd.agent_login("ingrid")
    ringing: AsyncResult = AsyncResult()
    controller.switch.listen(lambda event, channel: ringing.set(channel.variables.get("fsapp_queue_call"))
                             if channel is not None and channel.role == "agent" and not ringing.ready() else None)
    uuid = sim.place_call(caller="+4790000078", script=CallerScript(hangup_after=600.0))
    assert ringing.get(timeout=30.0) == uuid  # the operator's phone rings with this caller
    url = f"/screen-pop/{uuid}?token=tok-operator"
    connection, response = ApiClient(controller.api_server.url, None)._open("GET", url, None, None, 10)
    page = response.read().decode()
    connection.close()
    assert re.search(r"<li>opening_hours</li><li>welcome</li><li>main</li><li>to_operator</li>", page)
