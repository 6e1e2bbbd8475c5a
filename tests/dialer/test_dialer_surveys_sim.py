"""Surveys through the controller on the simulated switch: a call after a case is closed, and on the same call."""

from __future__ import annotations

from pathlib import Path

import gevent
import pytest
from click.testing import CliRunner
from gevent.event import Event as Flag

from cli import main
from fsapp.controller import Controller
from fsapp.dialer import CampaignSettings, CampaignStore
from fsapp.dialer.report import campaign_report
from fsapp.esl.connection import ESLConnection
from fsapp.sim import CallerScript, SimulatedSwitch
from tests.integration.conftest import MONDAY_MORNING, ROOT

WAIT = 30.0
QUESTION = "How satisfied were you with our service, from 1 to 5?"

OPT_IN_FLOW = """\
name: main_menu
default_language: en
languages: [en]
start: ask_survey
operator_queue: operator
nodes:
  ask_survey:
    kind: menu
    prompt: {en: "Press 1 to rate our service after the call, or 2 to go straight through."}
    options:
      - {key: "1", next: operator_then_survey}
      - {key: "2", next: operator}
  operator_then_survey:
    kind: queue
    queue: operator
    survey: satisfaction
  operator:
    kind: queue
    queue: operator
"""


class Respondent:
    """Keys the next answer each time a question (play_and_get_digits) starts, on any channel but ``skip``."""

    def __init__(self, sim: SimulatedSwitch, presses: list[str], skip: tuple[str, ...] = ()) -> None:
        host, port = sim.address
        self.sim = sim
        self.presses = list(presses)
        self.skip = skip
        self.watcher = ESLConnection(host, port, "ClueCon").connect()
        self.watcher.subscribe(["CHANNEL_EXECUTE"])
        self.greenlet = gevent.spawn(self._watch)

    def _watch(self) -> None:
        for event in self.watcher.iter_events():
            if self.presses and event.get("Application") == "play_and_get_digits" and event.uuid not in self.skip:
                self.sim.send_dtmf(event.uuid, self.presses.pop(0))

    def close(self) -> None:
        self.watcher.close()
        self.greenlet.kill(block=False)


def survey_campaign(controller: Controller, **settings: object) -> CampaignStore:
    campaigns = CampaignStore.of(controller.store)
    campaigns.create("satisfaction", CampaignSettings.from_dict({
        "mode": "survey", "questions": [{"text": {"en": QUESTION}, "keys": "12345"}], "default_language": "en",
        "ring_timeout": 5.0, **settings}))
    return campaigns


def monday_controller(make_controller, tmp_path: Path, flows_dir: Path = ROOT / "ivr_scripts",
                      **overrides: object) -> Controller:
    """A controller in office hours, rendering its survey prompts outside the repository's cache."""
    return make_controller(flows_dir, MONDAY_MORNING,
                           **{"speech.tts_cache": str(tmp_path / "tts"), **overrides})


def test_closing_a_case_calls_the_citizen_and_the_answer_lands_in_the_case(
        sim: SimulatedSwitch, make_controller, tmp_path: Path) -> None:
    controller = monday_controller(make_controller, tmp_path, **{
        "surveys.after_case_closed.campaign": "satisfaction", "surveys.after_case_closed.categories": "water"})
    store = controller.store
    campaigns = survey_campaign(controller, keep_open=True)
    campaigns.add_do_not_call(["+4790000032"], reason="asked not to be called")
    store.add_category("water", "Water and sewage", service_level_hours=72)
    store.add_category("roads", "Roads", service_level_hours=72)
    kari = store.add_citizen("Kari Nordmann", ["+4790000031"], language="en")
    barred = store.add_citizen("Per Hansen", ["+4790000032"])
    water = store.new_case("water", "Low pressure in the tap", "agent", citizen_id=kari.id)
    other = store.new_case("roads", "Pothole", "agent", citizen_id=kari.id)
    store.new_case("water", "Leak", "agent", citizen_id=barred.id)
    sim.add_endpoint("+4790000031", answer_after=0.5)
    respondent = Respondent(sim, ["4"])
    attempted = Flag()
    controller.outbound.on_attempt = lambda claimed, outcome, cause: attempted.set()
    campaigns.set_status("satisfaction", "running")
    try:
        for case in store.find_cases(open_only=True):
            store.change_status(case.reference, "closed", "agent")
        assert attempted.wait(WAIT)
    finally:
        respondent.close()

    notes = store.get_case(water.reference).notes
    assert [note.text for note in notes if note.author == "survey"] == [
        f"Survey satisfaction (by phone): {QUESTION} 4"]
    assert not [note for note in store.get_case(other.reference).notes if note.author == "survey"]
    campaigns.set_status("satisfaction", "finished")
    controller.outbound.wait_idle("satisfaction", WAIT)   # the run's attempts are written when it ends
    (contact,) = campaigns.contact_rows(campaigns.get("satisfaction").id)   # no roads case, no barred number
    assert contact["number"] == "+4790000031" and contact["result"] == "surveyed"
    report = campaign_report(campaigns, "satisfaction")
    assert report.surveys_by_channel == {"call": 1}
    assert report.questions["q1"].keys == {"4": 1} and report.questions["q1"].mean == 4.0


def test_a_caller_who_opted_in_rates_the_call_after_the_operator_hangs_up(
        sim: SimulatedSwitch, make_controller, tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "main_menu.yaml").write_text(OPT_IN_FLOW, encoding="utf-8")
    sim.add_endpoint("1001", answer_after=0.5, hangup_after=2.0)   # the operator hangs up first
    sim.add_endpoint("1002", answer_after=0.5, hangup_after=2.0)
    controller = monday_controller(make_controller, tmp_path, flows)
    campaigns = survey_campaign(controller)
    store = controller.store
    store.add_category("water", "Water and sewage", service_level_hours=72)
    citizen = store.add_citizen("Kari Nordmann", ["+4790000041"], language="en")
    case = store.new_case("water", "Low pressure in the tap", "agent", citizen_id=citizen.id)
    for agent in ("ingrid", "ola"):
        controller.acd.agent_login(agent)
    respondent = Respondent(sim, ["1", "5"])
    try:
        uuid = sim.place_call(caller="+4790000041", script=CallerScript(hangup_after=900.0))
        summary = controller.wait_finished(uuid, WAIT)
        assert sim.wait_gone(uuid, WAIT)   # hung up by the controller after the survey
    finally:
        respondent.close()

    assert summary.path.nodes == ["ask_survey", "operator_then_survey"]
    assert summary.queue_outcome == "answered"
    info = campaigns.get("satisfaction")
    (attempt,) = campaigns.attempt_rows(info.id)
    assert attempt["call_uuid"] == uuid and attempt["attempt_no"] == 0 and attempt["outcome"] == "surveyed"
    notes = [note.text for note in store.get_case(case.reference).notes if note.author == "survey"]
    assert notes == [f"Survey satisfaction (at the end of the call): {QUESTION} 5"]
    report = campaign_report(campaigns, "satisfaction")
    assert report.surveys_by_channel == {"same_call": 1}
    assert report.questions["q1"].keys == {"5": 1} and report.questions["q1"].mean == 5.0
    printed = CliRunner().invoke(main, ["campaign", "report", "satisfaction", "--db", controller.config.database.url])
    lines = [line.split() for line in printed.output.splitlines()]
    assert ["survey", "q1", "key", "5", "1"] in lines and ["survey", "q1", "mean", "5.0"] in lines
    assert ["surveys", "same_call", "1"] in lines


def test_a_survey_on_a_queue_node_is_checked_with_its_line(tmp_path: Path, store) -> None:
    from fsapp.dialer.surveys import unknown_surveys
    from fsapp.ivr.loader import FlowErrors, load_flow

    path = tmp_path / "main_menu.yaml"
    line = OPT_IN_FLOW.splitlines().index("    survey: satisfaction") + 1
    path.write_text(OPT_IN_FLOW.replace("survey: satisfaction", "survey: ''"), encoding="utf-8")
    with pytest.raises(FlowErrors) as caught:
        load_flow(path)
    assert f"{path}:{line}: nodes.operator_then_survey.survey: must be the name of a survey campaign" in \
        caught.value.located()

    path.write_text(OPT_IN_FLOW.replace("survey: satisfaction", "survey: satisfation"), encoding="utf-8")
    campaigns = CampaignStore.of(store)
    campaigns.create("satisfaction", CampaignSettings.from_dict({
        "mode": "survey", "questions": [{"text": {"en": QUESTION}}]}))
    (problem,) = unknown_surveys([load_flow(path)], campaigns)
    assert problem.located() == (f"{path}:{line}: nodes.operator_then_survey.survey: "
                                 "no survey campaign 'satisfation'")


def test_closing_a_case_from_the_command_line_queues_its_survey(tmp_path: Path, store) -> None:
    url = store.db.database
    config = tmp_path / "fsapp.yaml"
    config.write_text(f"database: {{url: 'sqlite:///{url}'}}\n"
                      "surveys: {after_case_closed: {campaign: satisfaction}}\n", encoding="utf-8")
    campaigns = CampaignStore.of(store)
    campaigns.create("satisfaction", CampaignSettings.from_dict({
        "mode": "survey", "questions": [{"text": {"en": QUESTION}}], "keep_open": True}))
    store.add_category("water", "Water and sewage", service_level_hours=72)
    citizen = store.add_citizen("Kari Nordmann", ["+4790000051"])
    case = store.new_case("water", "Low pressure in the tap", "agent", citizen_id=citizen.id)

    result = CliRunner().invoke(main, ["--config", str(config), "cases", "status", case.reference, "closed"])
    assert result.exit_code == 0, result.output
    (contact,) = campaigns.contact_rows(campaigns.get("satisfaction").id)
    assert contact["number"] == "+4790000051" and contact["status"] == "pending"
    assert contact["data"] == {"case": case.reference, "source": "case_closed"}
