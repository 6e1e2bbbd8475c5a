"""Controller CPU per simple call: fsapp's Switch against a bare Event Socket loop, on the simulated switch.

Each call is answer + a 2 s prompt + hangup, the load the brief measured on a real switch (where a minimal
Python controller used 1.2-1.6 ms CPU per call). The simulated switch runs in its own process, pinned to
the other core, at 50x real time, and places the calls; the controller process measures its own CPU time
from the first call to the last hangup. Prints one JSON line with ms of CPU per call for each controller
(fsapp's Switch layer alone, fsapp's whole controller with its IVR, ACD, records and store, and the bare loop)
and the ratios. Target: the whole controller at most 2 ms per call and 2x the bare loop.

    python bench/call_cpu.py [--calls 2000] [--rate 200] [--only switch|controller|bare]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import PLAIN_FLOW, PROMPT, cpu_seconds, pin_to_cpu, whole_controller  # noqa: E402

SPEED = 50.0


def run_sim(port_out: multiprocessing.Queue, go: multiprocessing.Event, calls: int, rate: float) -> None:
    pin_to_cpu(1)
    import gevent

    from fsapp.sim import CallerScript, SimulatedSwitch

    sim = SimulatedSwitch(password="ClueCon", speed=SPEED)
    port_out.put(sim.start()[1])
    while not go.is_set():
        gevent.sleep(0.05)
    for index in range(calls):
        sim.place_call(caller=f"+47900{index:05d}", script=CallerScript(hangup_after=3600.0))
        gevent.sleep(1.0 / rate)
    gevent.sleep(3600)


def fsapp_controller(port: int, calls: int, out: multiprocessing.Queue) -> None:
    pin_to_cpu(0)
    from gevent.event import Event

    from fsapp.switch.service import Switch

    finished = Event()
    state = {"done": 0, "cpu0": None}

    def main(call) -> None:
        if state["cpu0"] is None:
            state["cpu0"] = cpu_seconds()
        call.answer()
        call.playback(PROMPT)
        call.hangup()
        state["done"] += 1
        if state["done"] >= calls:
            finished.set()

    switch = Switch("127.0.0.1", port, "ClueCon")
    switch.route("main", main)
    switch.start().wait_connected(30)
    out.put("ready")
    finished.wait(3600)
    out.put({"cpu_ms_per_call": round((cpu_seconds() - state["cpu0"]) * 1000 / calls, 3)})


def controller_on_sim(port: int, calls: int, out: multiprocessing.Queue) -> None:
    """fsapp's whole controller (IVR flow, ACD, call records, SQLite store) with a flow doing the same."""
    work = Path(tempfile.mkdtemp(prefix="fsapp-call-cpu-"))
    flows = work / "flows"
    flows.mkdir()
    (flows / "plain.yaml").write_text(PLAIN_FLOW)
    whole_controller(str(ROOT / "conf" / "fsapp.yaml"), {
        "database.url": f"sqlite:///{work / 'fsapp.db'}", "ivr.flows_dir": str(flows),
        "ivr.entries": {"main": "plain"}, "acd.file": str(ROOT / "conf" / "acd.yaml"),
        "paths.recordings": str(work / "recordings"), "paths.state": str(work / "state"),
        "register.file": str(work / "register.yaml"), "switch.host": "127.0.0.1", "switch.port": port},
        calls, out)


def bare_controller(port: int, calls: int, out: multiprocessing.Queue) -> None:
    """The smallest useful controller: one connection, a greenlet per parked call, no registry."""
    pin_to_cpu(0)
    import gevent
    from gevent.event import Event

    from fsapp.esl.connection import ESLConnection

    finished = Event()
    state = {"done": 0, "cpu0": None}
    connection = ESLConnection("127.0.0.1", port, "ClueCon").connect()
    connection.subscribe(["CHANNEL_PARK", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP_COMPLETE"])

    def drive(uuid: str) -> None:
        connection.execute(uuid, "answer")
        connection.execute(uuid, "playback", PROMPT, timeout=60)
        connection.hangup(uuid)
        state["done"] += 1
        if state["done"] >= calls:
            finished.set()

    def dispatch() -> None:
        for event in connection.iter_events():
            if event.name == "CHANNEL_PARK":
                if state["cpu0"] is None:
                    state["cpu0"] = cpu_seconds()
                gevent.spawn(drive, event.uuid)

    gevent.spawn(dispatch)
    out.put("ready")
    finished.wait(3600)
    out.put({"cpu_ms_per_call": round((cpu_seconds() - state["cpu0"]) * 1000 / calls, 3)})


def measure(controller, calls: int, rate: float) -> dict:
    context = multiprocessing.get_context("spawn")
    port_out, out, go = context.Queue(), context.Queue(), context.Event()
    sim = context.Process(target=run_sim, args=(port_out, go, calls, rate), daemon=True)
    sim.start()
    port = port_out.get(timeout=60)
    process = context.Process(target=controller, args=(port, calls, out))
    process.start()
    assert out.get(timeout=60) == "ready"
    started = time.perf_counter()
    go.set()
    result = out.get(timeout=3600)
    result["wall_s"] = round(time.perf_counter() - started, 2)
    process.join(30)
    sim.terminate()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0, help="calls placed per wall second")
    parser.add_argument("--only", choices=["switch", "controller", "bare"], help="one controller (to profile it)")
    args = parser.parse_args()
    controllers = {"switch": fsapp_controller, "controller": controller_on_sim, "bare": bare_controller}
    results = {name: measure(controller, args.calls, args.rate) for name, controller in controllers.items()
               if args.only in (None, name)}
    bare = results.get("bare", {}).get("cpu_ms_per_call")
    print(json.dumps({
        "benchmark": "call_cpu", "calls": args.calls, "rate_per_s": args.rate, "sim_speed": SPEED,
        "fsapp": results.get("switch"), "fsapp_controller": results.get("controller"),
        "bare_connection": results.get("bare"),
        **{f"ratio_{name}_to_bare": round(result["cpu_ms_per_call"] / bare, 2)
           for name, result in results.items() if bare and name != "bare" and result.get("cpu_ms_per_call")},
        "target_ms": 2.0, "target_ratio": 2.0,
    }))


if __name__ == "__main__":
    main()
