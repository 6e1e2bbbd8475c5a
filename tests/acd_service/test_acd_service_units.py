"""The service's pure parts: originate variables, failure reasons, prompts, paths, snapshot file, pickup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from acd_service_helpers import build_config

from fsapp.acd import AgentTarget, CallerInfo, IllegalTransition, ManualClock, Offer, Router, UnknownCall
from fsapp.acd.dialing import failure_reason, offer_variables
from fsapp.acd.errors import AcdConfigError, SnapshotError
from fsapp.acd.loader import parse_acd_config
from fsapp.acd.pickup import pickup
from fsapp.acd.prompts import announcement_text, tone_prompt
from fsapp.acd.recordings import Recording, recording_path
from fsapp.acd.snapshot_file import SnapshotFile, load_router
from tests import timeline


@pytest.mark.parametrize("cause, reason", [("NO_ANSWER", "no-answer"), ("USER_BUSY", "busy"),
                                           ("CALL_REJECTED", "rejected"), ("USER_NOT_REGISTERED", "unreachable"),
                                           ("NORMAL_TEMPORARY_FAILURE", "unreachable")])
def test_originate_causes_map_to_router_reasons(cause, reason):
    assert failure_reason(cause) == reason


def test_offer_variables_carry_the_caller_cases_and_screen_pop():
    offer = Offer("c-1", "building", (AgentTarget("anna", "user/1001"),), 20.0,
                  CallerInfo("+47 900", "Kari Nordmann", ("S-1", "S-2")), 3.0, 1)
    variables = offer_variables(offer, offer.agents[0], "leg-1", "https://pop.example/c?id={uuid}")
    assert variables["origination_uuid"] == "leg-1"
    assert variables["origination_caller_id_number"] == "+47900"
    assert variables["origination_caller_id_name"] == "Kari Nordmann"   # escaped where the command is built
    assert (variables["fsapp_role"], variables["fsapp_agent"], variables["fsapp_queue_call"]) == ("agent", "anna", "c-1")
    assert variables["sip_h_X-Fsapp-Cases"] == "S-1,S-2"
    assert variables["sip_h_Call-Info"] == "<https://pop.example/c?id=c-1>;purpose=info"
    assert variables["originate_timeout"] == "20"


def test_announcement_text_and_tone_fallback():
    assert announcement_text(1, None) == "You are next in the queue."
    text = announcement_text(4, 130.0)
    assert text == "You are number 4 in the queue. The estimated wait is about 3 minutes."
    assert tone_prompt(text, "en") == "tone_stream://%(150,250,660);loops=4"
    assert tone_prompt(announcement_text(None, None), "en").endswith("loops=1")


def test_recording_path_is_dated_and_the_record_has_a_duration(tmp_path):
    moment = timeline.RUN_START.astimezone() - timedelta(days=3)   # local time, as the file tree is laid out
    at = moment.timestamp()
    path = recording_path(tmp_path, "abc", at)
    assert path == tmp_path / f"{moment:%Y}" / f"{moment:%m}" / f"{moment:%d}" / "abc.wav"
    record = Recording("abc", str(path), "roads", "anna", "+47", at).as_record(at + 42.5)
    assert record["duration"] == 42.5 and record["queue"] == "roads" and record["ended_at"] == at + 42.5


def test_queue_record_flag_is_loaded_and_validated():
    text = "queues:\n  roads:\n    record: true\n  water: {}\n"
    config = parse_acd_config(text, "acd.yaml")
    assert config.queues["roads"].record and not config.queues["water"].record
    with pytest.raises(AcdConfigError) as failure:
        parse_acd_config("queues:\n  roads:\n    record: sometimes\n", "acd.yaml")
    assert failure.value.located().startswith("acd.yaml:3:")


def test_snapshot_file_round_trip_keeps_the_line(tmp_path):
    clock = ManualClock(100.0)
    config = build_config({"q": {}}, {"anna": {"queues": {"q": 1}}})
    router = Router(config, clock)
    for uuid in ("a", "b", "c"):
        router.call_arrived(uuid, "q")
        clock.advance(1)
    snapshot = SnapshotFile(tmp_path / "state" / "acd.json")
    snapshot.save(router.snapshot())
    assert load_router(config, clock, snapshot.path).waiting("q") == ["a", "b", "c"]
    assert load_router(config, clock, tmp_path / "missing.json").waiting("q") == []
    snapshot.path.write_text("{not json")
    with pytest.raises(SnapshotError):
        snapshot.load()


def test_pickup_takes_a_call_from_the_agent_it_was_ringing():
    clock = ManualClock(0.0)
    router = Router(build_config({"q": {}}, {"anna": {"queues": {"q": 1}}, "bo": {"queues": {"q": 1}}}), clock)
    router.agent_login("bo")
    router.call_arrived("c", "q")
    assert router.agent("bo").state.value == "reserved"
    router.agent_login("anna", break_reason="lunch")
    with pytest.raises(IllegalTransition):
        pickup(router, "anna", "c")
    router.agent_ready("anna")
    picked, decisions = pickup(router, "anna", queue="q")
    assert picked == "c"
    assert [(d.kind, getattr(d, "agent_id", None)) for d in decisions if d.kind in ("cancel-offer",)] == [
        ("cancel-offer", "bo")]
    offers = [d for d in decisions if isinstance(d, Offer)]
    assert [target.agent_id for target in offers[0].agents] == ["anna"]
    assert router.agent("anna").state.value == "reserved"
    assert router.agent("bo").state.value == "available" and router.agent("bo").no_answer_count == 0
    with pytest.raises(UnknownCall):
        pickup(router, "bo", "nobody")
