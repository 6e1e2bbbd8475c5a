"""The relay service's decisions: who a direct number belongs to, whether to ring, what the caller hears."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fsapp.acd.config import AcdConfig, AgentConfig, QueueConfig
from fsapp.acd.engaged import CONSULTATION, DIRECT_CALL
from fsapp.relay.errors import UnknownDirectNumber
from tests import timeline
from fsapp.relay.menu import (Choice, Presence, agent_for_number, availability_text, choice_for,
                              relay_queue, should_ring, spoken_time)

OSLO = ZoneInfo("Europe/Oslo")
MONDAY = timeline.next_weekday(timeline.MONDAY, 10)


def config() -> AcdConfig:
    queues = {name: QueueConfig(name) for name in ("taxes", "operator")}
    agents = {
        "marte": AgentConfig("marte", "user/1012", "Marte Lund", queues={"operator": 2, "taxes": 1},
                             direct_number="+4722001012"),
        "lars": AgentConfig("lars", "user/1004", "Lars Berg", queues={"taxes": 1}, direct_number="22001004",
                            relay_queue="operator"),
        "nils": AgentConfig("nils", "user/1013", "Nils"),
    }
    return AcdConfig(skills={}, queues=queues, agents=agents)


def test_the_number_dialled_names_the_person_with_or_without_plus() -> None:
    assert agent_for_number(config(), "+4722001012").id == "marte"
    assert agent_for_number(config(), "4722001012").id == "marte"
    assert agent_for_number(config(), "+22001004").id == "lars"
    with pytest.raises(UnknownDirectNumber):
        agent_for_number(config(), "+4722009999")


def test_a_colleague_is_the_relay_queue_else_the_first_tier_queue() -> None:
    agents = config().agents
    assert relay_queue(agents["marte"]) == "taxes"      # tier 1 before tier 2, whatever the order
    assert relay_queue(agents["lars"]) == "operator"    # relay_queue wins
    assert relay_queue(agents["nils"]) is None


@pytest.mark.parametrize(("presence", "ring"), [
    (Presence("available"), True),
    (Presence("on-call"), False),
    (Presence("wrap-up"), False),
    (Presence("break", "lunch"), False),
    (Presence("logged-out"), False),
    (Presence("available", None, "Course", MONDAY + timedelta(hours=2), True), False),
    (Presence("available", None, "Course", MONDAY - timedelta(minutes=1), True), True),   # note has passed
    (Presence("available", None, "Ill", None, True), False),                             # until cleared
])
def test_the_phone_rings_only_when_the_person_is_free_and_not_away(presence: Presence, ring: bool) -> None:
    assert should_ring(presence, MONDAY) is ring


def test_only_the_three_menu_keys_are_choices() -> None:
    assert [choice_for(key) for key in ("1", "2", "3")] == [Choice.COLLEAGUE, Choice.CALLBACK,
                                                            Choice.AVAILABILITY]
    assert choice_for("4") is None and choice_for(None) is None and choice_for("") is None


def test_an_away_note_names_the_day_and_time_and_the_reason() -> None:
    tuesday_8 = (MONDAY + timedelta(days=1)).replace(hour=8).astimezone(ZoneInfo("UTC"))
    away = Presence("logged-out", None, "Course", tuesday_8, True)
    tuesday = tuesday_8.astimezone(OSLO)
    assert availability_text("Marte", away, MONDAY, "en") == \
        f"Marte is away until {timeline.en_day_month(tuesday)} at 08:00. Course."
    assert availability_text("Marte", away, MONDAY, "nb") == \
        f"Marte er borte til {timeline.nb_day_month(tuesday)} klokken 08:00. Course."


def test_an_away_note_ending_today_gives_only_the_time() -> None:
    away = Presence("break", "lunch", "", MONDAY.replace(hour=13, minute=30), True)
    assert availability_text("Marte", away, MONDAY, "en") == "Marte is away until 13:30."
    assert spoken_time(MONDAY.replace(hour=13, minute=30), MONDAY, "nb") == "13:30"


@pytest.mark.parametrize(("presence", "expected"), [
    (Presence("on-call"), "Marte is on another call and should be free shortly."),
    (Presence("break", DIRECT_CALL), "Marte is on another call and should be free shortly."),
    (Presence("break", CONSULTATION), "Marte is on another call and should be free shortly."),
    (Presence("break", "lunch"), "Marte is on a break and should be back shortly."),
    (Presence("logged-out"), "Marte is not at work right now."),
    (Presence("available"), "Marte is at work but could not answer. Please try again in a little while."),
    (Presence("logged-out", None, "Ill", MONDAY - timedelta(days=1), True), "Marte is not at work right now."),
])
def test_without_an_away_note_the_acd_state_tells(presence: Presence, expected: str) -> None:
    assert availability_text("Marte", presence, MONDAY, "en") == expected


def test_an_unknown_language_falls_back_to_english() -> None:
    assert availability_text("Marte", Presence("logged-out"), MONDAY, "sv") == "Marte is not at work right now."


@pytest.mark.parametrize(("language", "expected"), [
    ("da", "Marte er væk indtil {weekday} den {day}. {month} klokken 08:00. Kurs."),
    ("fi", "Marte on poissa {weekday}na {day}. {month}ta kello 08:00 asti. Kurs."),
    ("pl", "Marte jest nieobecny do {weekday}, {day} {month}, o godzinie 08:00. Kurs."),
    ("zh", "Marte离开，直到{month}{day}日{weekday}08:00。 Kurs."),
])
def test_an_away_note_in_every_language_of_the_center(language: str, expected: str) -> None:
    tuesday = (MONDAY + timedelta(days=1)).replace(hour=8)
    names = {"da": (("mandag", "tirsdag"), "januar februar marts april maj juni juli august september oktober "
                                           "november december"),
             "fi": (("maanantai", "tiistai"), "tammikuu helmikuu maaliskuu huhtikuu toukokuu kesäkuu heinäkuu "
                                              "elokuu syyskuu lokakuu marraskuu joulukuu"),
             "pl": (("poniedziałek", "wtorek"), "stycznia lutego marca kwietnia maja czerwca lipca sierpnia "
                                                "września października listopada grudnia"),
             "zh": (("星期一", "星期二"), "1月 2月 3月 4月 5月 6月 7月 8月 9月 10月 11月 12月")}[language]
    away = Presence("logged-out", None, "Kurs", tuesday, True)
    assert availability_text("Marte", away, MONDAY, language) == expected.format(
        weekday=names[0][1], day=tuesday.day, month=names[1].split()[tuesday.month - 1])
