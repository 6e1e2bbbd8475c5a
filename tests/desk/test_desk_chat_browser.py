"""An operator takes a web chat on the desk while the citizen talks to them from the widget on the city's page
(one headless Chromium, two tabs): the chat is offered, taken, read and answered live both ways, closed onto a
case, and its transcript kept on the citizen and the case. Texts from either side are shown as text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from fsapp.store import display_reference
from tests.api.api_waits import WAIT
from tests.api.conftest import free_port
from tests.channels.test_chat_widget_browser import CityPage
from tests.desk.conftest import in_browser, start_desk
from tests.desk.test_desk_browser import sign_in, wait_for_state

HOSTILE = "<img src=x onerror=window.pwned=1>"


@pytest.fixture
def chat_desk(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[tuple[Controller, CityPage]]:
    port = free_port()
    page = CityPage(f"http://127.0.0.1:{port}/chat/widget.js")
    controller = start_desk(sim, tmp_path, **{"api.port": port, "chat.enabled": True, "chat.queue": "roads",
                                               "chat.allowed_origins": [page.origin]})
    yield controller, page
    page.close()
    controller.stop()


def _text_in(driver: Any, element_id: str, text: str) -> None:
    WebDriverWait(driver, WAIT).until(ec.text_to_be_present_in_element((By.ID, element_id), text))


def operator_gets_ready(driver: Any, url: str) -> str:
    sign_in(driver, url, "kari")
    driver.find_element(By.ID, "ready").click()
    wait_for_state(driver, "available")
    return driver.current_window_handle


def citizen_writes(driver: Any, page: CityPage) -> str:
    driver.switch_to.new_window("tab")
    driver.get(page.origin)
    WebDriverWait(driver, WAIT).until(ec.element_to_be_clickable((By.ID, "fsapp-chat-button"))).click()
    panel = driver.find_element(By.ID, "fsapp-chat-panel")
    WebDriverWait(driver, WAIT).until(lambda d: panel.get_attribute("data-mode") == "open")
    driver.find_element(By.ID, "fsapp-chat-email").send_keys("kari@example.no")
    driver.find_element(By.ID, "fsapp-chat-text").send_keys(f"The streetlight is out {HOSTILE}")
    driver.find_element(By.ID, "fsapp-chat-send").click()
    _text_in(driver, "fsapp-chat-status", "number 1 in line")
    return driver.current_window_handle


def operator_takes_and_answers(driver: Any, desk_tab: str) -> None:
    driver.switch_to.window(desk_tab)
    WebDriverWait(driver, WAIT).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, "#offered-items li[data-kind='chat'] button"))).click()
    _text_in(driver, "item-messages", f"The streetlight is out {HOSTILE}")
    assert driver.execute_script("return window.pwned") is None
    driver.find_element(By.ID, "reply-text").send_keys(f"Which street? {HOSTILE}")
    driver.find_element(By.ID, "send-reply").click()
    _text_in(driver, "item-messages", "Which street?")


def citizen_answers(driver: Any, widget_tab: str) -> None:
    driver.switch_to.window(widget_tab)
    _text_in(driver, "fsapp-chat-status", "talking to Ola")
    _text_in(driver, "fsapp-chat-log", f"Which street? {HOSTILE}")
    assert driver.execute_script("return window.pwned") is None
    driver.find_element(By.ID, "fsapp-chat-text").send_keys("Storgata 1")
    driver.find_element(By.ID, "fsapp-chat-send").click()


def operator_reads_and_closes(driver: Any, desk_tab: str, reference: str) -> None:
    driver.switch_to.window(desk_tab)
    _text_in(driver, "item-messages", "Storgata 1")
    assert "2" not in driver.find_element(By.ID, "offered-items").text   # nothing else waits
    driver.find_element(By.ID, "close-case").send_keys(reference)
    driver.find_element(By.ID, "close-item").click()
    _text_in(driver, "status", "Closed and saved")


def citizen_sees_the_end(driver: Any, widget_tab: str) -> None:
    driver.switch_to.window(widget_tab)
    _text_in(driver, "fsapp-chat-status", "The chat has ended")


def test_an_operator_takes_a_chat_on_the_desk_while_the_widget_talks_to_them(
        chat_desk: tuple[Controller, CityPage], browser: Any) -> None:
    controller, page = chat_desk
    store = controller.store
    kari = store.add_citizen("Kari Nordmann", ["+4791234567"], "test", email="kari@example.no")
    case = store.new_case("general", "Streetlight", "test", citizen_id=kari.id)
    url = controller.api_server.url   # type: ignore[union-attr]
    desk_tab = in_browser(operator_gets_ready, browser, url)
    widget_tab = in_browser(citizen_writes, browser, page)
    in_browser(operator_takes_and_answers, browser, desk_tab)
    in_browser(citizen_answers, browser, widget_tab)
    in_browser(operator_reads_and_closes, browser, desk_tab, display_reference(case.reference))
    in_browser(citizen_sees_the_end, browser, widget_tab)
    [kept] = store.interactions(case_reference=case.reference)
    assert kept["channel"] == "chat" and kept["citizen_id"] == kari.id and kept["agent"] == "ola"
    assert f"Which street? {HOSTILE}" in kept["body"] and "Storgata 1" in kept["body"]
    assert controller.channels.desk.items == {}
