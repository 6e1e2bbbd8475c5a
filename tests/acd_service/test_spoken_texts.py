"""Spoken texts outside the menus: shipped in six languages, overridden by an admin's file, checked on load."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsapp.acd import AgentTarget, CallerInfo, Offer
from fsapp.acd.dialing import offer_variables
from fsapp.acd.prompts import announcement_text, ask_number_text, tone_prompt
from fsapp.texts import TextsError, load_texts, shipped_texts

LANGUAGES = ("nb", "da", "fi", "pl", "zh", "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_queue_text_is_shipped_in_each_language_of_the_center(language: str) -> None:
    texts = shipped_texts()
    for key in [key for key in texts.entries if key.startswith(("queue.", "relay."))]:
        assert language in texts.entries[key], f"{key} has no {language} text"
    spoken = announcement_text(7, 200.0, language)
    assert "7" in spoken and "4" in spoken                 # the place and the minutes, whatever the words
    assert tone_prompt(spoken, language).endswith("loops=7")
    assert spoken != announcement_text(7, 200.0, "en") or language == "en"
    assert ask_number_text(language) == texts.say("queue.ask_number", language)


def test_one_minute_and_no_estimate_have_their_own_words() -> None:
    assert announcement_text(1, 30.0, "nb") == "Du er nestemann i køen. Forventet ventetid er omtrent ett minutt."
    assert announcement_text(None, None, "pl") == "Proszę czekać, wkrótce ktoś odbierze."
    assert announcement_text(2, None, "sv") == "You are number 2 in the queue."   # no Swedish: English


def test_an_admin_overrides_a_text_and_adds_a_language(tmp_path: Path) -> None:
    override = tmp_path / "texts.yaml"
    override.write_text("queue:\n  position:\n    nb: Det er {position} før deg.\n    sv: Du är nummer {position}"
                        " i kön.\n", encoding="utf-8")
    texts = load_texts(override)
    assert announcement_text(3, None, "nb", texts) == "Det er 3 før deg."
    assert announcement_text(3, None, "sv", texts) == "Du är nummer 3 i kön."
    assert announcement_text(1, None, "nb", texts) == "Du er nestemann i køen."   # the rest as shipped
    assert load_texts(tmp_path / "absent.yaml") == shipped_texts()


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("queue:\n  positon:\n    nb: x\n", "2: queue.positon: unknown text (known: "),
    ("queue:\n  position:\n    nb: Du er {plass}\n", "3: queue.position.nb: unknown field {plass} (this text has: "
                                                     "{position})"),
    ("relay:\n  weekdays:\n    nb: [man, tir]\n", "3: relay.weekdays.nb: must be a list of 7 words"),
    ("queue:\n  hold:\n    nb: 5\n", "3: queue.hold.nb: must be a text (or a list of words)"),
    ("queue:\n  hold: [a, b]\n", "2: queue.hold: must map languages (nb, en, ...) to texts"),
    ("- queue\n", "must be a mapping of sections"),
])
def test_mistakes_in_an_admins_file_are_located(tmp_path: Path, yaml_text: str, message: str) -> None:
    override = tmp_path / "texts.yaml"
    override.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(TextsError) as caught:
        load_texts(override)
    assert caught.value.located().startswith(f"{override}:") and message in caught.value.located()


def test_the_agents_phone_is_told_the_callers_language() -> None:
    anna = AgentTarget("anna", "user/anna")
    offer = Offer("call-1", "support", (anna,), 20.0, CallerInfo("+4790000001", language="pl"), 0.0, 1)
    assert offer_variables(offer, anna, "leg-1")["sip_h_X-Fsapp-Language"] == "pl"
    plain = Offer("call-2", "support", (anna,), 20.0, CallerInfo("+4790000001"), 0.0, 1)
    assert "sip_h_X-Fsapp-Language" not in offer_variables(plain, anna, "leg-2")
    assert CallerInfo.from_dict(CallerInfo("+47", language="zh").as_dict()).language == "zh"
