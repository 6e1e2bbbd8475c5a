"""Listen, whisper and barge on the simulated switch: commands sent, the switch's mode, the tracked mode."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli import main
from fsapp.api.client import ApiClient, ApiClientError
from fsapp.controller import Controller
from fsapp.esl.connection import ESLConnection
from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.supervise.modes import ModeTracker
from tests.api.api_waits import wait_until


@pytest.fixture
def sent_events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, str]]]:
    sent: list[tuple[str, dict[str, str]]] = []
    original = ESLConnection.sendevent

    def recording(self: ESLConnection, name: str, headers: dict[str, str], body: str | None = None) -> str:
        sent.append((name, dict(headers)))
        return original(self, name, headers, body)
    monkeypatch.setattr(ESLConnection, "sendevent", recording)
    return sent


def agent_talking(sim: SimulatedSwitch, controller: Controller, api: ApiClient) -> str:
    sim.add_endpoint("1001", behaviour="answer", answer_after=0.5, hangup_after=None)
    if api.get("/api/v1/agents/ingrid")["state"] == "logged-out":
        api.post("/api/v1/agents/ingrid/login")
    uuid = sim.place_call(caller="+4790000009", script=CallerScript(keys=[(3.0, "0")], hangup_after=600.0))
    wait_until(lambda: api.get("/api/v1/agents/ingrid")["state"] == "on-call", what="ingrid on the call")
    return uuid


def test_listen_whisper_barge_and_the_supervisors_keys(sim: SimulatedSwitch, controller: Controller,
                                                       api: ApiClient, sent_events: list) -> None:
    sim.add_endpoint("2001", behaviour="answer", answer_after=0.5, hangup_after=None)
    call_uuid = agent_talking(sim, controller, api)
    agent_leg = controller.acd.calls[call_uuid].agent_leg
    session = api.post("/api/v1/supervision", {"agent": "ingrid", "extension": "2001"})
    assert (session["mode"], session["call_uuid"], session["agent_leg"]) == ("listen", call_uuid, agent_leg)
    supervisor = sim.channels[session["id"]]
    assert supervisor.variables.get("fsapp_role") == "supervisor"
    assert supervisor.variables.get("no_throttle_limits") == "true"   # the switch's throttle is for new callers
    wait_until(lambda: supervisor.eavesdrop_mode == "0", what="the eavesdrop running")

    for mode, digit in (("whisper", "2"), ("barge", "3"), ("caller", "1"), ("listen", "0")):
        assert api.post(f"/api/v1/supervision/{session['id']}/mode", {"mode": mode})["mode"] == mode
        assert sent_events[-1] == ("CUSTOM", {"Event-Subclass": "fsapp::eavesdrop", "Unique-ID": session["id"],
                                              "eavesdrop-command": digit})
        wait_until(lambda: supervisor.eavesdrop_mode == digit, what=f"the switch in mode {digit}")

    sim.send_dtmf(session["id"], "3")   # the supervisor keys barge on the phone
    wait_until(lambda: api.get("/api/v1/supervision")[0]["mode"] == "barge", what="the keyed mode tracked")
    assert supervisor.eavesdrop_mode == "3"
    history = api.get("/api/v1/supervision")[0]["history"]
    assert [(entry["mode"], entry["by"]) for entry in history] == [
        ("whisper", "api"), ("barge", "api"), ("caller", "api"), ("listen", "api"), ("barge", "dtmf")]

    api.post(f"/api/v1/calls/{call_uuid}/hangup")   # the conversation ends: so does the eavesdrop
    assert sim.wait_gone(session["id"], 20.0)
    wait_until(lambda: api.get("/api/v1/supervision") == [], what="the session to end")
    actions = [entry["action"] for entry in controller.store.audit_trail("agent", "ingrid")]
    assert actions == ["eavesdrop-listen", "eavesdrop-caller", "eavesdrop-barge", "eavesdrop-whisper",
                       "eavesdrop-listen", "agent-login"]


def test_barge_from_the_start_and_stop(sim: SimulatedSwitch, controller: Controller, api: ApiClient,
                                       sent_events: list) -> None:
    sim.add_endpoint("2002", behaviour="answer", answer_after=0.5, hangup_after=None)
    agent_talking(sim, controller, api)
    session = api.post("/api/v1/supervision", {"agent": "ingrid", "extension": "user/2002", "mode": "barge"})
    assert session["mode"] == "barge"
    assert [headers["eavesdrop-command"] for _, headers in sent_events] == ["3"]
    wait_until(lambda: sim.channels[session["id"]].eavesdrop_mode == "3", what="barge on the switch")
    assert api.delete(f"/api/v1/supervision/{session['id']}")["id"] == session["id"]
    assert sim.wait_gone(session["id"], 20.0)
    assert controller.acd.router.agent("ingrid").state.value == "on-call"   # the conversation goes on


def test_refused_without_a_call_or_an_answer(sim: SimulatedSwitch, controller: Controller, api: ApiClient) -> None:
    api.post("/api/v1/agents/ingrid/login")
    with pytest.raises(ApiClientError) as idle:
        api.post("/api/v1/supervision", {"agent": "ingrid", "extension": "2001"})
    assert idle.value.status == 409 and "no call in progress" in str(idle.value)
    agent_talking(sim, controller, api)
    with pytest.raises(ApiClientError) as unreachable:
        api.post("/api/v1/supervision", {"agent": "ingrid", "extension": "2999"})   # no such phone
    assert unreachable.value.status == 409 and "did not answer" in str(unreachable.value)
    with pytest.raises(ApiClientError) as bad_mode:
        api.post("/api/v1/supervision", {"agent": "ingrid", "extension": "2001", "mode": "shout"})
    assert bad_mode.value.status == 400


def test_mode_tracker_follows_commands_and_keys() -> None:
    tracker = ModeTracker()
    assert tracker.commanded("whisper", 1.0) == "2"
    assert tracker.keyed("5", 2.0) is False and tracker.mode == "whisper"
    assert tracker.keyed("1", 3.0) is True and tracker.mode == "caller"
    assert tracker.history == [(1.0, "whisper", "api"), (3.0, "caller", "dtmf")]


def test_supervise_command_changes_mode_without_ringing_again(sim: SimulatedSwitch, controller: Controller,
                                                             api: ApiClient) -> None:
    """`fsapp whisper` would ring the supervisor's phone again; `fsapp supervise mode` switches the running one."""
    sim.add_endpoint("2003", behaviour="answer", answer_after=0.5, hangup_after=None)
    agent_talking(sim, controller, api)
    assert controller.api_server is not None
    options = ["--url", controller.api_server.url, "--token", "tok-supervisor"]
    started = CliRunner().invoke(main, ["listen", "ingrid", "--from", "2003", *options])
    assert started.exit_code == 0, started.output
    session_id = api.get("/api/v1/supervision")[0]["id"]
    assert f"fsapp supervise mode {session_id} MODE" in started.output
    wait_until(lambda: sim.channels[session_id].eavesdrop_mode == "0", what="the eavesdrop running")
    legs = set(sim.channels)

    whisper = CliRunner().invoke(main, ["supervise", "mode", session_id, "whisper", *options])
    assert whisper.exit_code == 0, whisper.output
    call_uuid = api.get("/api/v1/supervision")[0]["call_uuid"]
    assert whisper.output.strip() == f"session {session_id}: whisper on ingrid (call {call_uuid})"
    wait_until(lambda: sim.channels[session_id].eavesdrop_mode == "2", what="whisper on the switch")
    assert set(sim.channels) == legs   # no phone rung again
    listed = CliRunner().invoke(main, ["supervise", "list", *options])
    assert session_id in listed.output and "whisper" in listed.output
    bad = CliRunner().invoke(main, ["supervise", "mode", session_id, "shout", *options])
    assert bad.exit_code == 2 and "listen" in bad.output
    unknown = CliRunner().invoke(main, ["supervise", "mode", "no/such", "barge", *options])
    assert unknown.exit_code == 1 and "no supervision session no/such" in unknown.output

    ended = CliRunner().invoke(main, ["supervise", "end", session_id, *options])
    assert ended.exit_code == 0 and "ended" in ended.output
    assert sim.wait_gone(session_id, 20.0)
