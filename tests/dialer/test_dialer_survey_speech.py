"""Survey questions answered by speech or by key: the settings, and a dialed survey on the simulated switch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fsapp.controller import Controller
from fsapp.dialer import CampaignSettings, CampaignStore, SettingsError
from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.speech.tts import TtsCache
from tests.dialer.test_dialer_surveys_sim import OPT_IN_FLOW, Respondent
from tests.integration.conftest import MONDAY_MORNING

WAIT = 30.0
SATISFACTION: dict[str, Any] = {
    "text": {"en": "How satisfied were you with our service, from 1 to 5?",
             "nb": "Hvor fornøyd var du med tjenesten, fra 1 til 5?"},
    "keys": "12345",
    "spoken": {"en": {"1": ["very bad"], "2": ["bad"], "3": ["neither good nor bad"], "4": ["good"],
                      "5": ["very good", "excellent"]},
               "nb": {"1": ["veldig dårlig"], "5": ["veldig bra"]}},
    "spoken_digits": True,
}


def survey(**question: Any) -> CampaignSettings:
    return CampaignSettings.from_dict({"mode": "survey", "default_language": "en",
                                       "questions": [{**SATISFACTION, **question}]})


def test_spoken_answers_map_phrases_and_digit_words_to_keys() -> None:
    (question,) = survey().questions
    english = question.spoken_answers("en")
    assert english["very good"] == english["excellent"] == english["five"] == "5"
    assert english["neither good nor bad"] == "3" and english["one"] == "1"
    assert "six" not in english and "zero" not in english   # not keys of this question
    assert question.spoken_answers("en-GB") == english
    norwegian = question.spoken_answers("nb")
    assert norwegian["veldig bra"] == norwegian["fem"] == "5" and norwegian["tre"] == "3"
    assert question.spoken_answers("ko") == {}   # no phrases, no digit words: keys only
    keys_only = survey(spoken={}, spoken_digits=False).questions[0]
    assert keys_only.spoken_answers("en") == {}


def test_spoken_settings_survive_the_round_trip_through_the_store(campaigns: CampaignStore) -> None:
    campaigns.create("satisfaction", survey(spoken={"en": {"5": "very good"}}))
    (question,) = campaigns.get("satisfaction").settings.questions
    assert question.spoken == {"en": {"5": ["very good"]}} and question.spoken_digits is True
    assert question.spoken_answers("en")["very good"] == "5"


@pytest.mark.parametrize(("question", "message"), [
    ({"spoken": {"en": {"7": ["seven"]}}},
     "questions.q1.spoken.en.7: '7' is not one of the question's keys (12345)"),
    ({"spoken": {"en": {"4": ["good"], "5": ["Good!"]}}}, "questions.q1.spoken.en.5: 'good' already answers 4"),
    ({"spoken": {"en": {"2": ["five"]}}}, "questions.q1.spoken.en.2: 'five' already answers 5"),
    ({"spoken": {"en": {"5": ["?!"]}}}, "questions.q1.spoken.en.5: '?!' has no words"),
    ({"spoken": {"en": {"5": []}}}, "questions.q1.spoken.en.5: needs at least one phrase"),
    ({"spoken": {"en": {"5": [5]}}}, "questions.q1.spoken.en.5: must be a phrase or a list of phrases, not [5]"),
    ({"spoken": {"en": ["very good"]}}, "questions.q1.spoken.en: must map keys to phrases"),
    ({"spoken": ["very good"]}, "questions.q1.spoken: must map each language to its keys' phrases"),
    ({"spoken_digits": "yes"}, "questions.q1.spoken_digits: must be true or false, not 'yes'"),
    ({"keys": "1-5"}, "questions.q1.keys: must be one or more of the keys 0123456789*#, not '1-5'"),
    ({"keys": "1123"}, "questions.q1.keys: '1123' lists a key twice"),
    ({"text": {"en": " "}}, "questions.q1.text: needs the question's text per language"),
    ({"text": "How was it?"}, "questions.q1.text: needs the question's text per language"),
    ({"spoken_answers": {}}, "questions.q1: unknown field(s) spoken_answers (known: text, keys, spoken, "
                             "spoken_digits)"),
])
def test_invalid_question_settings_are_named(question: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        survey(**question)
    assert str(caught.value).startswith(f"campaign setting {message}")


def test_questions_must_be_a_list_of_mappings() -> None:
    with pytest.raises(SettingsError, match="^campaign setting questions: must be a list"):
        CampaignSettings.from_dict({"mode": "survey", "questions": {"q1": SATISFACTION}})
    with pytest.raises(SettingsError, match=r"^campaign setting questions\.q2: must be a mapping"):
        CampaignSettings.from_dict({"mode": "survey", "questions": [SATISFACTION, "How was it?"]})


def test_a_dialed_survey_hears_speech_takes_keys_and_keeps_norwegian_to_keys(
        sim: SimulatedSwitch, make_controller, tmp_path: Path) -> None:
    tts = TtsCache(tmp_path / "tts")
    speaker, keyer, norwegian = "+4790000061", "+4790000062", "+4790000063"
    sim.add_endpoint(speaker, answer_after=0.5, speech_wav=tts.render("very good", "en"))
    sim.add_endpoint(keyer, answer_after=0.5, keys=[(1.0, "2")])
    # Speech in a language without a recognizer is never recorded: the key answers.
    sim.add_endpoint(norwegian, answer_after=0.5, keys=[(1.0, "3")], speech_wav=tts.render("veldig bra", "nb"))
    controller: Controller = make_controller(at=MONDAY_MORNING,
                                             **{"speech.tts_cache": str(tmp_path / "tts")})
    campaigns = CampaignStore.of(controller.store)
    campaigns.create("satisfaction", survey())
    for number, language in ((speaker, "en"), (keyer, "en"), (norwegian, "nb")):
        assert campaigns.add_contact("satisfaction", number, language=language) == "added"
    campaigns.set_status("satisfaction", "running")
    controller.outbound.wait_idle("satisfaction", WAIT)

    info = campaigns.get("satisfaction")
    answers = {row["number"]: (row["result"], row["answer"]) for row in campaigns.contact_rows(info.id)}
    assert answers == {speaker: ("surveyed", {"q1": "5"}), keyer: ("surveyed", {"q1": "2"}),
                       norwegian: ("surveyed", {"q1": "3"})}
    call_of = {row["number"]: row["call_uuid"] for row in campaigns.attempt_rows(info.id)}
    utterances = sorted((Path(controller.config.paths.recordings) / "utterances").glob("*.wav"))
    assert len(utterances) == 1 and utterances[0].name.startswith(call_of[speaker] + "-")


def test_a_caller_who_opted_in_answers_by_speech_on_the_same_call(
        sim: SimulatedSwitch, make_controller, tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "main_menu.yaml").write_text(OPT_IN_FLOW, encoding="utf-8")
    sim.add_endpoint("1001", answer_after=0.5, hangup_after=2.0)   # the operator hangs up first
    sim.add_endpoint("1002", answer_after=0.5, hangup_after=2.0)
    said = TtsCache(tmp_path / "tts").render("good", "en")
    controller: Controller = make_controller(flows, MONDAY_MORNING,
                                             **{"speech.tts_cache": str(tmp_path / "tts")})
    campaigns = CampaignStore.of(controller.store)
    campaigns.create("satisfaction", survey())
    for agent in ("ingrid", "ola"):
        controller.acd.agent_login(agent)
    respondent = Respondent(sim, ["1"])   # opts in with a key, then answers the survey by voice
    try:
        uuid = sim.place_call(caller="+4790000071", script=CallerScript(hangup_after=900.0, speech_wav=str(said)))
        summary = controller.wait_finished(uuid, WAIT)
        assert sim.wait_gone(uuid, WAIT)
    finally:
        respondent.close()

    assert summary.path.nodes == ["ask_survey", "operator_then_survey"]
    (attempt,) = campaigns.attempt_rows(campaigns.get("satisfaction").id)
    assert attempt["call_uuid"] == uuid and attempt["outcome"] == "surveyed"
    assert json.loads(attempt["answer"]) == {"q1": "4"}
