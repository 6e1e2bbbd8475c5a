"""The desk in a real browser (headless Chromium): an operator signs in, a citizen calls through the menu into
the water queue, the desk shows who is calling before the phone is answered, the operator answers on the
simulated phone, opens a case with custom fields and transfers the caller; the store has it all.

Each step in the browser runs off the hub (``in_browser``), so the desk is served while Selenium waits."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from fsapp.acd.states import AgentState
from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from fsapp.store import display_reference
from tests.api.api_waits import WAIT, wait_until
from tests.desk.conftest import PASSWORD, in_browser
from tests.integration.conftest import ROOT

CALLER = "+4790001234"
SCREENSHOT = ROOT / "docs" / "desk.png"   # written again only with FSAPP_DESK_SCREENSHOT=1 (a test run leaves the tree
                                          # as it was)


def sign_in(browser: Any, url: str, name: str) -> None:
    browser.get(f"{url}/desk/login")
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    WebDriverWait(browser, WAIT).until(ec.presence_of_element_located((By.ID, "agent-state")))


def wait_for_state(browser: Any, state: str) -> None:
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_element(By.ID, "agent-state").get_attribute("data-state") == state)


def citizen_with_a_case_and_a_property(controller: Controller, tmp_path: Path) -> tuple[int, str]:
    store = controller.store
    citizen = store.add_citizen("Astrid Berg", [CALLER], "test", address="Storgata 1, 6413 Molde")
    case = store.new_case("water", "Brown water after the mains were flushed", "test", citizen_id=citizen.id,
                          custom_values={"problem": "brunt vann"})
    table = tmp_path / "properties.csv"
    table.write_text("external_id,kind,address,postcode,city,meter_number,owner_phone,role\n"
                     f"M-1,meter,Storgata 1,6413,Molde,55512345,{CALLER},owner\n", encoding="utf-8")
    assert store.import_properties(table).created == 1
    return citizen.id, case.reference


def offered_call(browser: Any, caller: str) -> dict[str, str]:
    """What the call panel shows once the desk has it."""
    panel = WebDriverWait(browser, WAIT).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, f'#call-panel[data-uuid="{caller}"]')))
    return {part: panel.find_element(By.ID, part).text
            for part in ("call-h", "citizen-name", "open-cases", "objects", "call-queue", "menu-path")}


def fill_in_a_case(browser: Any) -> str:
    Select(browser.find_element(By.ID, "category")).select_by_value("water")
    Select(browser.find_element(By.ID, "f-water-problem")).select_by_visible_text("lekkasje")
    browser.find_element(By.ID, "f-water-meter_number").send_keys("55512345")
    browser.find_element(By.ID, "description").send_keys("Water leaking from the meter in the basement")
    assert browser.find_element(By.CSS_SELECTOR, 'aside.guide[data-category="water"]').is_displayed()
    browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    if os.environ.get("FSAPP_DESK_SCREENSHOT") == "1":
        browser.save_screenshot(str(SCREENSHOT))
    browser.find_element(By.ID, "save-case").click()
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element((By.ID, "status"), "Case "))
    return browser.find_element(By.ID, "status").text.split()[1]


def transfer_to(browser: Any, agent: str) -> None:
    Select(browser.find_element(By.ID, "transfer-kind")).select_by_value("agent")
    browser.find_element(By.ID, "transfer-target").send_keys(agent)
    browser.find_element(By.ID, "btn-transfer").click()
    WebDriverWait(browser, WAIT).until(ec.text_to_be_present_in_element((By.ID, "status"), "Saved"))


def test_an_operator_takes_a_call_opens_a_case_and_transfers(sim: SimulatedSwitch, desk_controller: Controller,
                                                              browser: Any, keypad: Any, tmp_path: Path) -> None:
    controller = desk_controller
    citizen_id, old_case = citizen_with_a_case_and_a_property(controller, tmp_path)
    sim.add_endpoint("1002", answer_after=600.0)   # ola's phone rings until the test picks it up
    sim.add_endpoint("1001", answer_after=0.5)     # ingrid answers the transfer
    controller.acd.agent_login("ingrid")

    in_browser(sign_in, browser, controller.api_server.url, "kari")
    in_browser(lambda: browser.find_element(By.ID, "ready").click())
    in_browser(wait_for_state, browser, "available")
    assert controller.acd.router.agent("ola").state is AgentState.AVAILABLE

    caller = keypad("2").call(CALLER)   # 2: waste and water -> the water queue, which ola serves
    shown = in_browser(offered_call, browser, caller)
    assert controller.acd.router.agent("ola").state is AgentState.RINGING   # before the phone is answered
    assert CALLER in shown["call-h"] and shown["citizen-name"] == "Astrid Berg"
    assert display_reference(old_case) in shown["open-cases"] and "55512345" in shown["objects"]
    assert shown["call-queue"] == "water" and "q_waste_water" in shown["menu-path"]

    [ola_leg] = [c.uuid for c in sim.channels.values() if c.variables.get("fsapp_agent") == "ola"]
    sim.pick_up(ola_leg)
    wait_until(lambda: controller.acd.router.agent("ola").state is AgentState.ON_CALL, what="ola talking")
    in_browser(wait_for_state, browser, "on-call")
    new_case = in_browser(fill_in_a_case, browser)
    in_browser(transfer_to, browser, "ingrid")
    assert sim.wait_gone(ola_leg, WAIT)
    wait_until(lambda: sim.channel(caller).bridge is not None, what="the caller bridged to ingrid")
    assert sim.channel(caller).bridge.other(sim.channel(caller)).name.endswith("/1001")

    store = controller.store
    detail = store.get_case(new_case)
    assert (detail.summary.category_code, detail.summary.citizen_id) == ("water", citizen_id)
    assert detail.custom_values == {"problem": "lekkasje", "meter_number": "55512345"}
    assert detail.history[0].actor == "kari"
    transfers = [e for e in store.audit_trail("call", caller) if e["action"] == "call-transfer"]
    assert [(e["actor"], e["detail"]) for e in transfers] == [("kari", '{"agent": "ingrid"}')]
    sim.hangup(caller)
    controller.wait_finished(caller, WAIT)
    [contact] = store.interactions(case_reference=new_case)
    assert (contact["channel"], contact["citizen_id"], contact["agent"]) == ("phone", citizen_id, "ola")
