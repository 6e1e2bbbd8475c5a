"""What the benchmarks share: pinning a process to a core, reading its own CPU time and memory, and running
fsapp's whole controller on a flow while counting its CPU per finished call."""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from pathlib import Path
from typing import Any

PROMPT = "tone_stream://%(2000,0,440)"
# The flow every capacity benchmark runs: answer, a 2 s prompt, hang up.
PLAIN_FLOW = f"""name: plain
default_language: en
languages: [en]
start: prompt
nodes:
  prompt: {{kind: play, file: \"{PROMPT}\", next: bye}}
  bye: {{kind: hangup}}
"""


def pin_to_cpu(cpu: int) -> None:
    """Run this process on one core only (when the machine has that core)."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(0, {cpu})


def cpu_seconds() -> float:
    """User plus system CPU time this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """The most memory this process has held, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def per_call_ms(cpu0: float | None, done: int) -> float | None:
    """ms of this process's CPU per call since ``cpu0``."""
    return round((cpu_seconds() - cpu0) * 1000 / done, 3) if cpu0 is not None and done else None


def whole_controller(config_path: str, overrides: dict[str, Any], calls: int, out: multiprocessing.Queue) -> None:
    """fsapp's whole controller (IVR, ACD, call records, the store) on core 0: counts CPU from the first park
    until ``calls`` flows have finished and their records are written; puts "ready", then the result."""
    pin_to_cpu(0)
    import logging

    import gevent
    from gevent.event import Event

    from fsapp.config import load_config
    from fsapp.controller import Controller

    logging.basicConfig(level=logging.WARNING)
    controller = Controller(load_config(Path(config_path), env={}, overrides=overrides))
    finished, state = Event(), {"done": 0, "cpu0": None}
    original = controller.ivr.handlers.on_finished

    def counted(call, path) -> None:
        assert original is not None
        original(call, path)   # the call's records written
        state["done"] += 1
        if state["done"] >= calls:
            finished.set()

    def first_park(event, _channel) -> None:
        if state["cpu0"] is None and event.name == "CHANNEL_PARK":
            state["cpu0"] = cpu_seconds()

    controller.ivr.handlers.on_finished = counted
    controller.start()
    controller.switch.listen(first_park)
    controller.switch.wait_connected(30)
    profile = start_profile(os.environ.get("FSAPP_BENCH_PROFILE", ""))
    out.put("ready")
    finished.wait(3600)
    gevent.sleep(1.0)   # the last hangups' completions of the call records (the ticker's idle cost included)
    stop_profile(profile, os.environ.get("FSAPP_BENCH_PROFILE", ""))
    out.put({"handled": state["done"], "cpu_ms_per_call": per_call_ms(state["cpu0"], state["done"])})
    controller.stop()


def start_profile(path: str) -> Any:
    """With a ``path``, a cProfile of the hub's thread by its CPU time (waits on sockets cost nothing), to be
    written there by :func:`stop_profile`; else None."""
    if not path:
        return None
    import cProfile

    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    return profile


def stop_profile(profile: Any, path: str) -> None:
    if profile is not None:
        profile.disable()
        profile.dump_stats(path)
