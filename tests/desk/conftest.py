"""A controller on the simulated switch serving the desk, people to sign in, and a headless Chromium."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from fsapp.controller import Controller
from fsapp.desk.passwords import hash_password
from fsapp.offhub import Lane
from fsapp.sim import SimulatedSwitch
from tests.api.api_waits import CHANGES, WAIT
from tests.api.conftest import free_port
from tests.integration.conftest import MONDAY_MORNING, ROOT, controller_config, one_clock
from tests.integration.conftest import keypad  # noqa: F401 (a fixture the browser test uses)

PASSWORD = "correct horse battery"
BROWSER = Lane("browser", 1)
"""Selenium's client blocks its thread while the browser talks to the desk, which the hub of this very thread
serves: every step in the browser runs on this lane's thread (``in_browser``) while the hub serves the desk."""


def in_browser(function: Callable[..., T], *args: Any) -> T:
    return BROWSER.run(function, *args)
T = TypeVar("T")
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1600,1400", "--disable-dev-shm-usage")


@pytest.fixture
def sim_speed() -> float:
    return 1.0   # real time: the browser, not the switch, sets the pace of a desk test


@pytest.fixture
def sim(sim: SimulatedSwitch) -> SimulatedSwitch:
    sim.core.observers.append(CHANGES.poke)
    return sim


def start_desk(sim: SimulatedSwitch, tmp_path: Path, moment: datetime | None = MONDAY_MORNING,
               **overrides: object) -> Controller:
    """The controller with conf/register.yaml loaded, people kari (operator, agent ola), siri (supervisor)
    and per (operator, agent ingrid), and the API and desk on a free port (people added once per store);
    ``moment`` None: a controller started again later in the same test, on the clock as it runs."""
    config = controller_config(sim, tmp_path, **{"api.port": free_port(),
                                                 "register.file": str(ROOT / "conf" / "register.yaml"), **overrides})
    controller = Controller(config, **one_clock(sim, moment))
    password_hash = hash_password(PASSWORD)
    controller.store.migrate()
    if not controller.store.desk_users():
        controller.store.add_desk_user("kari", "operator", password_hash, agent="ola", language="en")
        controller.store.add_desk_user("per", "operator", password_hash, agent="ingrid", language="nb")
        controller.store.add_desk_user("siri", "supervisor", password_hash, language="nb")
    controller.start()   # people exist: the API and the desk are served
    controller.acd.change_listeners.append(CHANGES.poke)
    controller.switch.listen(CHANGES.poke)
    controller.switch.wait_connected(WAIT)
    assert controller.switch.reconciled.wait(WAIT)
    return controller


@pytest.fixture
def desk_controller(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Controller]:
    controller = start_desk(sim, tmp_path)
    yield controller
    controller.stop()


def chromium_paths() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture
def browser() -> Iterator:
    """Debian's chromium and chromium-driver, headless, with a fresh profile (skipped when not installed)."""
    paths = chromium_paths()
    if paths is None:
        pytest.skip("chromium and chromium-driver are not installed (scripts/install-system-deps)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="fsapp-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = in_browser(lambda: webdriver.Chrome(service=Service(executable_path=paths[1]), options=options))
    try:
        yield driver
    finally:
        in_browser(driver.quit)
        shutil.rmtree(profile, ignore_errors=True)
