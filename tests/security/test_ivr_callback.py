"""The menu's callback node offers a callback only to a number fsapp may dial: a forged, withheld or extension
caller ID is never read back or stored; the caller is asked for a number, and a keyed one that is not valid is
asked for again."""

from __future__ import annotations

from tests.ivr.ivr_helpers import REPO, SATURDAY, load_valid, walk

FORGED = "+4790000302,sofia/gateway/default/+4799999999"
MENU = REPO / "ivr_scripts" / "main_menu.yaml"


def test_a_forged_caller_id_is_asked_for_the_number_to_call() -> None:
    # out of hours: 2 a callback; 1 "confirm" finds no number and asks; the number; 1 confirms it
    path, lines = walk(load_valid(MENU), keys=["2", "1", "90000302#", "1"], at=SATURDAY, caller=FORGED)
    assert (path.outcome, path.detail) == ("callback", "+4790000302")
    assert not [line for line in lines if "4 7 9 9 9 9 9 9 9 9" in line or "sofia" in line]


def test_a_keyed_number_that_cannot_be_called_back_is_asked_for_again() -> None:
    path, lines = walk(load_valid(MENU), keys=["2", "2", "1001#", "2", "22334455#", "1"], at=SATURDAY,
                       caller="anonymous")
    assert (path.outcome, path.detail) == ("callback", "+4722334455")


def test_a_valid_caller_id_is_read_back_normalized() -> None:
    path, lines = walk(load_valid(MENU), keys=["2", "1"], at=SATURDAY, caller="900 00 302")
    assert (path.outcome, path.detail) == ("callback", "+4790000302")
    assert any("4 7 9 0 0 0 0 3 0 2" in line for line in lines)
