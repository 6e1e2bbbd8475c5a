"""Controller CPU per queued call and agent-answer -> bridge latency, through the real controller on the simulated switch.

The simulated-switch variant of the live ACD capacity test: callers dial a number whose flow goes straight
into one queue; ``--agents`` operators, all logged in, are simulated phones that answer at once and hang up
``--talk`` simulated seconds later. In the same run the same controller carries a plain flow (answer, a 2 s
prompt, hang up), the cost the queue path is compared with (the ratio).

Three processes: the simulated switch (pinned to the second core, ``--speed`` times real time) places the
calls at ``--rate`` per wall second; the controller (pinned to the first core) measures its own CPU time from
the first call to the last recorded one; a watcher on the switch's Event Socket times each agent leg's answer
to the bridge with its caller (real milliseconds). Prints one JSON line.

    python bench/acd_capacity.py [--calls 600] [--rate 40] [--agents 250] [--profile out.prof]
        [--command-connections 1]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import cpu_seconds, pin_to_cpu, start_profile, stop_profile  # noqa: E402

QUEUE_FLOW = """name: main_menu
default_language: en
languages: [en]
start: queue
nodes:
  queue: {kind: queue, queue: capacity}
"""
PLAIN_FLOW = """name: main_menu
default_language: en
languages: [en]
start: prompt
nodes:
  prompt: {kind: play, file: "tone_stream://%(2000,0,440)", next: bye}
  bye: {kind: hangup}
"""


def acd_yaml(agents: int) -> str:
    lines = ["queues:", "  capacity:", "    strategy: longest-idle", "    record: false", "    wrap_up: 0",
             "    reoffer_delay: 0", "    announce: {every: 0}", "agents:"]
    for index in range(agents):
        lines += [f"  cap{index:03d}:", f"    contact: user/cap{index:03d}", "    queues: [capacity]"]
    return "\n".join(lines) + "\n"


def run_sim(port_out: Any, go: Any, settings: dict[str, Any]) -> None:
    pin_to_cpu(1)
    import gevent

    from fsapp.sim import CallerScript, SimulatedSwitch

    sim = SimulatedSwitch(password="ClueCon", speed=settings["speed"])
    for index in range(settings["agents"]):
        sim.add_endpoint(f"cap{index:03d}", behaviour="answer", answer_after=0.0, hangup_after=settings["talk"])
    port_out.put(sim.start()[1])
    while not go.is_set():
        gevent.sleep(0.05)
    started = time.perf_counter()
    for index in range(settings["calls"]):
        sim.place_call(caller=f"+47900{index:05d}", script=CallerScript(hangup_after=3600.0))
        gevent.sleep(max(0.0, started + (index + 1) / settings["rate"] - time.perf_counter()))
    gevent.sleep(3600)


def run_watcher(port: int, out: Any, speed: float) -> None:
    """Agent answer -> bridge latency, from the switch's own event times (real ms)."""
    from fsapp.esl.connection import ESLConnection

    connection = ESLConnection("127.0.0.1", port, "ClueCon").connect()
    connection.subscribe(["CHANNEL_ANSWER", "CHANNEL_BRIDGE"])
    answered: dict[str, int] = {}
    latencies: list[float] = []
    for event in connection.iter_events():
        stamp = int(event.get("Event-Date-Timestamp") or 0)
        if event.name == "CHANNEL_ANSWER" and event.get("Call-Direction") == "outbound":
            answered[event.uuid] = stamp
        elif event.name == "CHANNEL_BRIDGE":   # reported on the agent's leg when it bridges itself, else the caller's
            for leg in (event.uuid, event.get("Other-Leg-Unique-ID") or ""):
                if leg in answered:
                    latencies.append((stamp - answered.pop(leg)) / 1000.0 / speed)
                    out.put(latencies[-1])


def run_controller(port: int, out: Any, settings: dict[str, Any]) -> None:
    pin_to_cpu(0)
    import logging

    from gevent.event import Event

    from fsapp.config import load_config
    from fsapp.controller import Controller

    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="fsapp-acd-capacity-"))
    flows = work / "flows"
    flows.mkdir()
    (flows / "main_menu.yaml").write_text(QUEUE_FLOW if settings["mode"] == "queue" else PLAIN_FLOW)
    (work / "acd.yaml").write_text(acd_yaml(settings["agents"]))
    config = load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
        "database.url": f"sqlite:///{work / 'fsapp.db'}", "ivr.flows_dir": str(flows),
        "acd.file": str(work / "acd.yaml"), "speech.tts_cache": str(ROOT / "sounds" / "tts"),
        "paths.recordings": str(work / "recordings"), "paths.state": str(work / "state"),
        "switch.host": "127.0.0.1", "switch.port": port, "switch.command_connections": settings["command_connections"]})
    controller = Controller(config)
    finished, state = Event(), {"done": 0, "cpu0": None, "outcomes": {}}
    original = controller._recorded

    def counted(summary: Any) -> None:   # the call's row is in the store (the call log writes in batches)
        original(summary)
        outcome = summary.queue_outcome or summary.path.outcome
        state["outcomes"][outcome] = state["outcomes"].get(outcome, 0) + 1
        state["done"] += 1
        if state["done"] >= settings["calls"]:
            finished.set()

    def first_park(event: Any, _channel: Any) -> None:
        if state["cpu0"] is None and event.name == "CHANNEL_PARK":
            state["cpu0"] = cpu_seconds()

    controller._recorded = counted   # type: ignore[method-assign]
    controller.start()
    controller.switch.listen(first_park)
    controller.switch.wait_connected(30)
    for agent in controller.acd_config.agents:
        controller.acd.agent_login(agent)
    profiler = start_profile(settings.get("profile", ""))
    out.put("ready")
    completed = finished.wait(settings["timeout"])
    spent = cpu_seconds() - (state["cpu0"] or cpu_seconds())
    stop_profile(profiler, settings.get("profile", ""))
    out.put({"cpu_ms_per_call": round(spent * 1000 / max(1, state["done"]), 3), "finished": state["done"],
             "completed": bool(completed), "outcomes": state["outcomes"]})
    controller.stop()


def measure(mode: str, settings: dict[str, Any]) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    port_out, out, go, latencies = context.Queue(), context.Queue(), context.Event(), context.Queue()
    settings = {**settings, "mode": mode}
    sim = context.Process(target=run_sim, args=(port_out, go, settings), daemon=True)
    sim.start()
    port = port_out.get(timeout=60)
    watcher = context.Process(target=run_watcher, args=(port, latencies, settings["speed"]), daemon=True)
    watcher.start()
    controller = context.Process(target=run_controller, args=(port, out, settings), daemon=True)
    controller.start()
    assert out.get(timeout=120) == "ready"
    started = time.perf_counter()
    go.set()
    result = out.get(timeout=settings["timeout"] + 60)
    result["wall_s"] = round(time.perf_counter() - started, 2)
    controller.join(30)
    gaps = []
    while not latencies.empty():
        gaps.append(latencies.get())
    for process in (watcher, sim, controller):
        process.terminate()
    if mode == "queue" and gaps:
        ordered = sorted(gaps)
        result["answer_to_bridge_ms"] = {"p50": round(statistics.median(ordered), 1),
                                         "p99": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
                                         "max": round(ordered[-1], 1), "samples": len(ordered)}
    result["success_rate"] = round(result["outcomes"].get("answered" if mode == "queue" else "hangup", 0)
                                   / settings["calls"], 4)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--rate", type=float, default=40.0, help="calls placed per wall second")
    parser.add_argument("--agents", type=int, default=250)
    parser.add_argument("--talk", type=float, default=2.0, help="simulated seconds each agent talks")
    parser.add_argument("--speed", type=float, default=10.0, help="simulated seconds per wall second")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--profile", default="", help="write the controller's cProfile of the queue run (or of the "
                        "--only run) here")
    parser.add_argument("--only", choices=("queue", "plain"), default="", help="run one of the two flows")
    parser.add_argument("--command-connections", type=int, default=1,
                        help="switch.command_connections (0: commands share the event connection)")
    args = parser.parse_args()
    settings = {"calls": args.calls, "rate": args.rate, "agents": args.agents, "talk": args.talk,
                "speed": args.speed, "timeout": args.timeout, "command_connections": args.command_connections}
    if args.only:
        result = measure(args.only, {**settings, "profile": args.profile})
        print(json.dumps({"benchmark": "acd_capacity", **settings, args.only: result}))
        return
    queue = measure("queue", {**settings, "profile": args.profile})
    plain = measure("plain", settings)
    print(json.dumps({
        "benchmark": "acd_capacity", **settings, "queue": queue, "plain_flow": plain,
        "ratio_queue_to_plain": round(queue["cpu_ms_per_call"] / plain["cpu_ms_per_call"], 2),
        "target_ms_per_queued_call": 3.0, "target_answer_to_bridge_p99_ms": 100.0,
    }))


if __name__ == "__main__":
    main()
