"""The chat widget in a real browser (headless Chromium): a city's page on another site embeds it with one
script tag; a citizen chats with an operator working through the control API; out of hours it takes a
message and a callback. Skipped when Chromium or its driver is missing (scripts/install-system-deps)."""

from __future__ import annotations

import http.server as httpserver
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fsapp.controller import Controller
from tests.api.api_waits import WAIT
from tests.api.conftest import free_port
from tests.channels.conftest import http, off_hub
from tests.integration.conftest import SUNDAY

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="chromium and chromium-driver are not installed")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


class CityPage:
    """The city's own site on another port, embedding the widget with one script tag."""

    def __init__(self, widget_url: str) -> None:
        page = (f'<!doctype html><html><head><title>City</title></head><body><h1>Our city</h1>'
                f'<script src="{widget_url}" data-queue="roads" data-language="en" async></script></body></html>'
                ).encode()

        class Handler(httpserver.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = httpserver.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def browser() -> Iterator[Any]:
    profile = tempfile.mkdtemp(prefix="fsapp-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = off_hub(webdriver.Chrome, options, webdriver.ChromeService(executable_path=DRIVER))
    yield driver
    off_hub(driver.quit)
    shutil.rmtree(profile, ignore_errors=True)


def _center(make_controller: Callable[..., Controller], moment: Any = None) -> tuple[Controller, CityPage]:
    port = free_port()
    page = CityPage(f"http://127.0.0.1:{port}/chat/widget.js")
    extra = {} if moment is None else {"moment": moment}
    controller = make_controller(**extra, **{"api.port": port, "chat.enabled": True, "chat.queue": "roads",
                                             "chat.allowed_origins": [page.origin]})
    return controller, page


def _text_in(driver: Any, element_id: str, text: str) -> bool:
    return WebDriverWait(driver, WAIT).until(EC.text_to_be_present_in_element((By.ID, element_id), text))


def _operator(api: str, method: str, path: str, body: Any = None) -> Any:
    status, _head, answer = http(method, f"{api}/api/v1{path}", body, {"Authorization": "Bearer tok-ingrid"})
    assert status == 200, answer
    return answer


def _citizen_chats(driver: Any, page: CityPage, api: str) -> None:
    """The whole conversation, run on a thread: the browser's driver blocks while it waits."""
    driver.get(page.origin)
    WebDriverWait(driver, WAIT).until(EC.element_to_be_clickable((By.ID, "fsapp-chat-button"))).click()
    panel = driver.find_element(By.ID, "fsapp-chat-panel")
    WebDriverWait(driver, WAIT).until(lambda d: panel.get_attribute("data-mode") == "open")
    driver.find_element(By.ID, "fsapp-chat-email").send_keys("kari@example.no")
    driver.find_element(By.ID, "fsapp-chat-text").send_keys("The streetlight on Storgata is out")
    driver.find_element(By.ID, "fsapp-chat-send").click()
    _text_in(driver, "fsapp-chat-status", "number 1 in line")

    [item] = _operator(api, "GET", "/work")["offered"]
    assert item["kind"] == "chat" and item["address"] == "kari@example.no"
    _operator(api, "POST", f"/work/{item['id']}/accept")
    _text_in(driver, "fsapp-chat-status", "talking to Ingrid")
    _operator(api, "POST", f"/work/{item['id']}/messages", {"text": "Hello! <img src=x onerror=window.pwned=1>"})
    _text_in(driver, "fsapp-chat-log", "<img src=x onerror=window.pwned=1>")
    assert driver.execute_script("return window.pwned") is None   # shown as text, never run
    driver.find_element(By.ID, "fsapp-chat-text").send_keys("Thank you")
    driver.find_element(By.ID, "fsapp-chat-send").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: [m["text"] for m in _operator(api, "GET", f"/work/{item['id']}/messages?after=3")] == ["Thank you"])
    driver.find_element(By.ID, "fsapp-chat-end").click()
    _text_in(driver, "fsapp-chat-status", "The chat has ended")
    assert _operator(api, "GET", "/work")["held"] == []


def test_a_citizen_chats_with_an_operator_from_the_citys_page(make_controller: Callable[..., Controller],
                                                              browser: Any) -> None:
    controller, page = _center(make_controller)
    try:
        kari = controller.store.add_citizen("Kari", ["+4791234567"], email="kari@example.no")
        controller.acd.agent_login("ingrid")
        off_hub(_citizen_chats, browser, page, controller.api_server.url)   # type: ignore[union-attr]
    finally:
        page.close()
    [kept] = controller.store.interactions(citizen_id=kari.id)
    assert kept["channel"] == "chat" and "The streetlight on Storgata is out" in kept["body"]
    assert "Thank you" in kept["body"] and "closed" not in kept["subject"] and "citizen" in kept["subject"]


def _leaves_a_callback(driver: Any, page: CityPage) -> None:
    driver.get(page.origin)
    WebDriverWait(driver, WAIT).until(EC.element_to_be_clickable((By.ID, "fsapp-chat-button"))).click()
    panel = driver.find_element(By.ID, "fsapp-chat-panel")
    WebDriverWait(driver, WAIT).until(lambda d: panel.get_attribute("data-mode") == "closed")
    _text_in(driver, "fsapp-chat-status", "We are closed now")
    driver.find_element(By.ID, "fsapp-chat-phone").send_keys("912 34 567")
    driver.find_element(By.ID, "fsapp-chat-callback").click()
    driver.find_element(By.ID, "fsapp-chat-text").send_keys("Please call me about the road")
    driver.find_element(By.ID, "fsapp-chat-send").click()
    _text_in(driver, "fsapp-chat-status", "We have your message")


def test_out_of_hours_the_widget_takes_a_callback(make_controller: Callable[..., Controller], browser: Any) -> None:
    controller, page = _center(make_controller, SUNDAY)
    try:
        off_hub(_leaves_a_callback, browser, page)
    finally:
        page.close()
    [callback] = controller.store.pending_callbacks()
    assert (callback["number"], callback["queue"]) == ("+4791234567", "roads")


def _chat_until_the_operator_writes(driver: Any, page: CityPage, api: str) -> str:
    driver.get(page.origin)
    WebDriverWait(driver, WAIT).until(EC.element_to_be_clickable((By.ID, "fsapp-chat-button"))).click()
    panel = driver.find_element(By.ID, "fsapp-chat-panel")
    WebDriverWait(driver, WAIT).until(lambda d: panel.get_attribute("data-mode") == "open")
    driver.find_element(By.ID, "fsapp-chat-text").send_keys("The streetlight on Storgata is out")
    driver.find_element(By.ID, "fsapp-chat-send").click()
    _text_in(driver, "fsapp-chat-status", "number 1 in line")
    [item] = _operator(api, "GET", "/work")["offered"]
    _operator(api, "POST", f"/work/{item['id']}/accept")
    _operator(api, "POST", f"/work/{item['id']}/messages", {"text": "Which number?"})
    _text_in(driver, "fsapp-chat-log", "Which number?")
    return str(item["id"])


def _center_answers(driver: Any, url: str) -> bool:
    """Whether the page can reach the chat now (a request from the page itself, on a new or kept connection)."""
    return bool(driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'omit'}).then(function () { done(true); }, function () { done(false); });",
        url))


def _writes_while_the_center_is_away(driver: Any, url: str) -> None:
    WebDriverWait(driver, WAIT).until(lambda d: not _center_answers(d, url))   # its kept-alive connections gone too
    box = driver.find_element(By.ID, "fsapp-chat-text")
    box.send_keys("Number 12")
    driver.find_element(By.ID, "fsapp-chat-send").click()
    _text_in(driver, "fsapp-chat-status", "Not sent")
    assert box.get_attribute("value") == "Number 12"   # kept for the next try


def _sends_again_and_reads_on(driver: Any, api: str, item: str) -> None:
    driver.find_element(By.ID, "fsapp-chat-send").click()
    _text_in(driver, "fsapp-chat-log", "Number 12")
    assert driver.find_element(By.ID, "fsapp-chat-text").get_attribute("value") == ""
    assert [m["text"] for m in _operator(api, "GET", f"/work/{item}/messages?after=3")] == ["Number 12"]
    _operator(api, "POST", f"/work/{item}/messages", {"text": "Thanks, we will fix it"})
    _text_in(driver, "fsapp-chat-log", "Thanks, we will fix it")
    driver.refresh()   # the page opened again: the same chat, every message
    WebDriverWait(driver, WAIT).until(EC.element_to_be_clickable((By.ID, "fsapp-chat-button"))).click()
    _text_in(driver, "fsapp-chat-log", "Thanks, we will fix it")
    shown = driver.find_element(By.ID, "fsapp-chat-log").text
    assert [line for line in shown.splitlines() if line] == [
        "The streetlight on Storgata is out", "Ingrid has joined the chat", "Which number?", "Number 12",
        "Thanks, we will fix it"]


def test_the_widget_carries_on_over_a_restart_and_loses_no_message(make_controller: Callable[..., Controller],
                                                                   browser: Any) -> None:
    port = free_port()
    page = CityPage(f"http://127.0.0.1:{port}/chat/widget.js")
    config = {"api.port": port, "chat.enabled": True, "chat.queue": "roads", "chat.allowed_origins": [page.origin],
              "api.idle_timeout": 0.5}   # a stopped controller's kept-alive connections close soon, as on a restart
    try:
        first = make_controller(**config)
        first.acd.agent_login("ingrid")
        item = off_hub(_chat_until_the_operator_writes, browser, page, first.api_server.url)  # type: ignore[union-attr]
        first.stop()
        off_hub(_writes_while_the_center_is_away, browser, f"http://127.0.0.1:{port}/chat/v1/status")
        second = make_controller(None, **config)   # `fsapp run` again: the same store and port
        off_hub(_sends_again_and_reads_on, browser, second.api_server.url, item)   # type: ignore[union-attr]
    finally:
        page.close()
