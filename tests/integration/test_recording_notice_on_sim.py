"""The recording notice and the opt-outs, through the real controller on the simulated switch: a caller bound for
a recorded queue hears "calls are recorded" in their language before the hold music, unless their consent is on
file; a supervisor can switch a queue's recording off and opt one call out (API and command line)."""

from __future__ import annotations

from click.testing import CliRunner

import cli
from fsapp.api.client import ApiClient
from fsapp.sim import SimulatedSwitch
from tests.api.api_waits import CHANGES, wait_until
from tests.api.conftest import free_port
from tests.integration.conftest import WAIT
from tests.integration.test_queue_endings_on_sim import ears, spoken, start   # noqa: F401 (ears: a fixture)


def watched(controller):
    controller.acd.change_listeners.append(CHANGES.poke)
    controller.switch.listen(CHANGES.poke)
    return controller


def test_a_caller_hears_the_notice_before_a_recorded_queue_unless_consent_is_on_file(sim, tmp_path, keypad,
                                                                                   ears) -> None:
    controller = start(sim, tmp_path)
    try:
        controller.store.add_citizen("Kari Nordmann", ["+4790000502"], consent_recording=True)
        notice = spoken(controller, "queue.recording_notice")
        looked_up: list[str] = []
        look_up = controller.store.lookup_caller
        controller.store.lookup_caller = lambda number, *rest: looked_up.append(number) or look_up(number, *rest)
        stranger = keypad("0").call("+4790000501")        # the operator queue records its calls
        ears.wait_for(stranger, "local_stream://moh")
        heard = ears.heard[stranger]
        assert notice in heard and heard.index(notice) < heard.index("local_stream://moh")
        assert heard.count(notice) == 1
        assert looked_up == ["+4790000501"]   # one look-up: the agent's screen and the consent to recording

        kari = keypad("0").call("+4790000502")            # her consent to recording is on file
        ears.wait_for(kari, "local_stream://moh")
        assert notice not in ears.heard[kari]
    finally:
        controller.stop()


def test_the_notice_is_off_by_configuration(sim, tmp_path, keypad, ears) -> None:
    controller = start(sim, tmp_path, **{"acd.recording_notice": False})
    try:
        caller = keypad("0").call("+4790000503")
        ears.wait_for(caller, "local_stream://moh")
        assert spoken(controller, "queue.recording_notice") not in ears.heard[caller]
    finally:
        controller.stop()


def test_a_supervisor_switches_a_queue_off_and_opts_a_call_out(sim: SimulatedSwitch, tmp_path, keypad,
                                                               ears) -> None:
    sim.add_endpoint("1001", behaviour="answer", answer_after=1.0, hangup_after=None)
    sim.add_endpoint("1002", behaviour="answer", answer_after=1.0, hangup_after=None)
    sim.add_endpoint("1006", behaviour="answer", answer_after=1.0, hangup_after=None)
    sim.core.observers.append(CHANGES.poke)
    controller = watched(start(sim, tmp_path, **{"api.tokens": {"tok-super": "supervisor"}, "api.port": free_port()}))
    try:
        server = controller.api_server   # tokens are configured: start() serves the API
        api = ApiClient(server.url, "tok-super")
        env = {"FSAPP_API_URL": server.url, "FSAPP_API_TOKEN": "tok-super"}
        notice = spoken(controller, "queue.recording_notice")
        assert api.post("/api/v1/queues/operator/recording", {"record": False}) == {"queue": "operator",
                                                                                   "record": False}
        controller.acd.agent_login("ingrid")
        unrecorded = keypad("0").call("+4790000504")
        wait_until(lambda: controller.acd.router.agent_call(unrecorded) == "ingrid", WAIT, "ingrid answering")
        assert notice not in ears.heard[unrecorded]
        assert controller.acd.calls[unrecorded].recording is None
        sim.hangup(unrecorded)
        controller.wait_finished(unrecorded, WAIT)
        assert controller.store.call(unrecorded)["recordings"] == []

        switched = CliRunner().invoke(cli.main, ["recordings", "queue", "operator", "--on"], env=env,
                                      catch_exceptions=False)
        assert switched.exit_code == 0 and "recording on" in switched.stdout
        controller.acd.agent_login("ola")   # ingrid may still be wrapping up
        caller = keypad("0").call("+4790000505")
        ears.wait_for(caller, notice)
        wait_until(lambda: getattr(controller.acd.calls.get(caller), "recording", None), WAIT, "the call recorded")
        sim.channel(caller).sleep(1.0)
        opted = CliRunner().invoke(cli.main, ["recordings", "optout", caller], env=env, catch_exceptions=False)
        assert opted.exit_code == 0, opted.output
        assert controller.acd.calls[caller].recording is None
        [kept] = controller.store.recordings()   # the part before the opt-out
        first_agent = controller.acd.router.agent_call(caller) and kept["agent"]
        assert kept["call_uuid"] == caller and first_agent in ("ingrid", "ola")

        controller.acd.agent_login("jonas")
        controller.acd.transfer(caller, queue="waste")   # a recorded queue: the call's own choice holds
        wait_until(lambda: controller.acd.router.agent_call(caller) == "jonas", WAIT, "jonas talking")
        assert controller.acd.calls[caller].recording is None
        sim.hangup(caller)
        controller.wait_finished(caller, WAIT)
        assert [(r["queue"], r["agent"]) for r in controller.store.call(caller)["recordings"]] == [
            ("operator", first_agent)]
    finally:
        controller.stop()


def test_a_caller_who_hangs_up_during_the_notice_is_not_left_in_the_queue(sim: SimulatedSwitch, tmp_path, keypad,
                                                                         ears) -> None:
    controller = start(sim, tmp_path)
    try:
        notice = spoken(controller, "queue.recording_notice")
        caller = keypad("0").call("+4790000506")
        ears.wait_for(caller, notice)
        sim.hangup(caller)
        summary = controller.wait_finished(caller, WAIT)   # the flow ends: nothing waits on a gone channel
        assert caller not in controller.acd.calls and controller.acd.router.members.get(caller) is None
        assert summary.queue_outcome in (None, "abandoned")
        assert controller.store.call(caller)["caller_number"] == "+4790000506"
    finally:
        controller.stop()
