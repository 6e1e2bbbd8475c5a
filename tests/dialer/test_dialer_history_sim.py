"""Notification calls in the history, through the real controller on the simulated switch: message and survey
campaign calls become call rows and contacts like every other call; an opt-out key puts the number on the
do-not-call list; calling windows are closed on the configured public holidays; a campaign created without
windows gets the city's default hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from click.testing import CliRunner
from gevent.event import Event as Flag

from cli import main
from fsapp.controller import Controller
from fsapp.dialer import CampaignSettings, CampaignStore
from fsapp.ivr.holidays import holiday_name
from fsapp.sim import SimulatedSwitch
from tests import timeline
from tests.api.api_waits import wait_until
from tests.dialer.test_dialer_surveys_sim import QUESTION, Respondent
from tests.integration.conftest import MONDAY_MORNING, ROOT

WAIT = 30.0


def run_to_the_end(controller: Controller, campaigns: CampaignStore, name: str, attempts: int) -> None:
    """Start campaign ``name``, wait for ``attempts`` attempts to end, then finish it."""
    done: list[str] = []
    ended = Flag()

    def attempted(claimed: object, outcome: str, cause: str) -> None:
        done.append(outcome)
        if len(done) >= attempts:
            ended.set()

    controller.outbound.on_attempt = attempted
    campaigns.set_status(name, "running")
    assert ended.wait(WAIT), f"{name}: {done}"
    campaigns.set_status(name, "finished")
    controller.outbound.wait_idle(name, WAIT)


def test_message_and_survey_calls_are_in_the_history_and_an_opt_out_key_bars_the_number(
        sim: SimulatedSwitch, make_controller, tmp_path: Path) -> None:
    controller = make_controller(ROOT / "ivr_scripts", MONDAY_MORNING, **{"speech.tts_cache": str(tmp_path / "tts")})
    store = controller.store
    kari = store.add_citizen("Kari Nordmann", ["+4790000601"])
    sim.add_endpoint("+4790000601", answer_after=0.5)   # called first: keys 9, "no more calls like this"
    sim.add_endpoint("+4790000602", answer_after=0.5)   # listens, keys nothing
    campaigns = CampaignStore.of(store)
    campaigns.create("water-off", CampaignSettings.from_dict({
        "message": {"nb": "Vannet stenges i morgen."}, "opt_out_key": "9", "windows": {"mon-fri": "09:00-20:00"},
        "ring_timeout": 5.0, "max_concurrent": 1}))
    for number in ("+4790000601", "+4790000602"):
        campaigns.add_contact("water-off", number)
    respondent = Respondent(sim, ["9"])   # answers the first question only
    try:
        run_to_the_end(controller, campaigns, "water-off", 2)
    finally:
        respondent.close()

    assert "+4790000601" in campaigns.do_not_call_numbers()
    assert "+4790000602" not in campaigns.do_not_call_numbers()
    attempts = {row["number"]: row for row in campaigns.attempt_rows(campaigns.get("water-off").id)}
    barred = wait_until(lambda: store.call(attempts["+4790000601"]["call_uuid"]), WAIT, "the call row")
    assert (barred["direction"], barred["called_number"], barred["outcome"]) == ("out", "+4790000601", "opted_out")
    assert store.call(attempts["+4790000602"]["call_uuid"])["outcome"] == "reached"
    [contact] = [i for i in store.interactions(citizen_id=kari.id) if i["direction"] == "out"]
    assert contact["channel"] == "phone" and contact["subject"] == "message campaign water-off: opted_out"

    sim.add_endpoint("+4790000603", answer_after=0.5)
    campaigns.create("satisfaction", CampaignSettings.from_dict({
        "mode": "survey", "questions": [{"text": {"en": QUESTION}, "keys": "12345"}], "default_language": "en",
        "ring_timeout": 5.0}))
    campaigns.add_contact("satisfaction", "+4790000603")
    respondent = Respondent(sim, ["4"])
    try:
        run_to_the_end(controller, campaigns, "satisfaction", 1)
    finally:
        respondent.close()
    [surveyed] = campaigns.attempt_rows(campaigns.get("satisfaction").id)
    row = wait_until(lambda: store.call(surveyed["call_uuid"]), WAIT, "the survey call's row")
    assert (row["direction"], row["outcome"]) == ("out", "surveyed")
    assert surveyed["call_uuid"] in {call["call_uuid"] for call in store.recent_calls(10)}


def a_weekday_holiday() -> tuple[datetime, datetime]:
    """The next Norwegian public holiday on a weekday, at 10:00 in Oslo, and the first working 09:00 after it."""
    day = timeline.RUN_START.astimezone(timeline.OSLO).date() + timedelta(days=1)
    while day.weekday() >= 5 or holiday_name("NO", day) is None:
        day += timedelta(days=1)
    after = day + timedelta(days=1)
    while after.weekday() >= 5 or holiday_name("NO", after) is not None:
        after += timedelta(days=1)
    return (datetime.combine(day, time(10), timeline.OSLO), datetime.combine(after, time(9), timeline.OSLO))


def test_no_campaign_call_on_a_public_holiday(sim: SimulatedSwitch, make_controller, tmp_path: Path) -> None:
    holiday, reopening = a_weekday_holiday()
    controller = make_controller(ROOT / "ivr_scripts", holiday, **{"speech.tts_cache": str(tmp_path / "tts")})
    sim.add_endpoint("+4790000604", answer_after=0.5)
    campaigns = CampaignStore.of(controller.store)
    campaigns.create("roadworks", CampaignSettings.from_dict({
        "message": {"nb": "Veiarbeid i morgen."}, "windows": {"mon-fri": "09:00-20:00"}, "ring_timeout": 5.0}))
    campaigns.add_contact("roadworks", "+4790000604")
    attempted = Flag()
    controller.outbound.on_attempt = lambda claimed, outcome, cause: attempted.set()
    started = Flag()
    start_runner = controller.outbound._start_runner
    controller.outbound._start_runner = lambda name: (start_runner(name), started.set())
    campaigns.set_status("roadworks", "running")
    assert started.wait(WAIT), "the campaign's runner started"
    runner = controller.outbound.runners["roadworks"]
    pace = runner.pacer.decide(controller.now(), 0)
    assert (pace.start, pace.reason, pace.wake_at) == (0, "outside calling hours", reopening)
    assert not attempted.is_set() and runner.summary.started == 0

    sim.clock.jump_to((reopening + timedelta(minutes=1)).timestamp())
    assert attempted.wait(WAIT)
    [attempt] = campaigns.attempt_rows(campaigns.get("roadworks").id)
    assert attempt["started_at"] >= reopening


def test_a_campaign_created_without_windows_gets_the_citys_hours_and_opt_out_key(tmp_path: Path) -> None:
    listed = tmp_path / "list.csv"
    listed.write_text("phone\n+4790000605\n")
    url = f"sqlite:///{tmp_path / 'fsapp.db'}"
    result = CliRunner().invoke(main, ["--config", str(ROOT / "conf" / "fsapp.yaml"), "campaign", "import",
                                       str(listed), "--name", "notice", "--message", "nb=Vannet stenges",
                                       "--db", url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    from fsapp.store import open_store

    settings = CampaignStore.of(open_store(url)).get("notice").settings
    assert settings.windows == {"mon-fri": "09:00-20:00", "sat": "10:00-16:00"}   # conf/fsapp.yaml's
    assert settings.opt_out_key == "9"
    assert not settings.calling_windows("NO").always_open
