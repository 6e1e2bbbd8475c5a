"""Blocking work during a call never stalls the hub: a probe greenlet that sleeps 10 ms keeps waking on time.

Each piece of work below blocks for a second where it runs: a store write behind another writer's lock, a
report, a new prompt, a slow menu hook. Run on the hub, the probe would wake a second late; off the hub it
wakes within a fraction of that (the bound is generous for a busy two-core machine).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event

from fsapp.reports import build_report
from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.speech.tts import default_synthesize
from tests.integration.conftest import MONDAY_MORNING, OSLO, ROOT, WAIT

SLOW = 1.0          # seconds each piece of work blocks
BOUND = 0.25        # the most the probe may wake late meanwhile


class Probe:
    """A greenlet sleeping 10 ms over and over; ``worst`` is the latest it woke (seconds)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.ticked = Event()
        self.greenlet = gevent.spawn(self._run)

    def _run(self) -> None:
        while True:
            started = time.monotonic()
            gevent.sleep(0.01)   # the probe's own tick: how late it wakes is the measurement
            self.worst = max(self.worst, time.monotonic() - started - 0.01)
            self.ticked.set()

    def after_next_tick(self) -> float:
        """``worst`` once the probe has woken again (a stall just over is counted)."""
        self.ticked.clear()
        assert self.ticked.wait(WAIT)
        return self.worst


class SlowCalls:
    """A report's source whose query takes a second."""

    def calls_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        time.sleep(SLOW)   # blocking work on purpose: what must never run on the hub
        return []

    def find_cases(self, **filters: Any) -> list[Any]:
        return []


def slow_synthesize(text: str, voice: str, target: Path) -> None:
    time.sleep(SLOW)
    default_synthesize(text, voice, target)


def write_behind_a_lock(controller: Any, path: Path) -> None:
    """Another process holds the write lock for a second; the controller records a call meanwhile."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE reference_counter SET last = last")
    release = threading.Timer(SLOW, other.execute, ("COMMIT",))
    release.start()
    try:
        controller.store.record_call("hub-free-1", "in", datetime.now(timezone.utc), caller_number="+4790000072")
    finally:
        release.join(WAIT)
        other.close()


def slow_case_status(flows: Path) -> None:
    """The city's menu, whose case system takes a second to list a caller's open cases."""
    shutil.copy(ROOT / "ivr_scripts" / "main_menu.yaml", flows)
    source = (ROOT / "ivr_scripts" / "case_status.py").read_text()
    start = "    store: CaseStore = ctx.store\n    language = _language(ctx)\n"
    assert source.count(start) == 1
    (flows / "case_status.py").write_text(source.replace(start, f"    import time\n    time.sleep({SLOW})\n{start}"))


def test_blocking_work_during_a_call_leaves_the_hub_free(sim: SimulatedSwitch, make_controller, keypad,
                                                         tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    slow_case_status(flows)
    controller = make_controller(MONDAY_MORNING, flows_dir=flows)
    controller.tts.synthesize = slow_synthesize
    probe = Probe()
    uuid = keypad("7").call("+4790000071", script=CallerScript(hangup_after=40.0))   # the slow hook
    today = datetime.now(OSLO)
    works = {
        "new prompt": lambda: controller.acd.render_prompt(f"Du er nummer tre i køen {uuid}", "nb"),
        "report": lambda: build_report(SlowCalls(), "daily", today - timedelta(days=1), today, zone=OSLO),
        "store write behind a lock": lambda: write_behind_a_lock(controller, tmp_path / "fsapp.db"),
    }
    try:
        for name, work in works.items():
            started = time.monotonic()
            gevent.spawn(work).get(timeout=WAIT)
            assert time.monotonic() - started >= SLOW * 0.9, name   # the work did block somewhere
            assert probe.after_next_tick() < BOUND, f"{name}: the hub stalled {probe.worst:.3f} s"
        summary = controller.wait_finished(uuid, WAIT)
        worst = probe.after_next_tick()
    finally:
        probe.greenlet.kill()
    assert summary.path.nodes[:4] == ["opening_hours", "welcome", "main", "case_status"]
    assert not summary.path.errors                                       # the hook answered in time
    assert worst < BOUND, f"slow hook: the hub stalled {worst:.3f} s"
    assert controller.store.call("hub-free-1")["caller_number"] == "+4790000072"
