"""Capacity on a real FreeSWITCH: SIPp callers at a rate through fsapp's Switch layer, through fsapp's whole
controller (IVR flow, ACD, call records and the store: what a city runs) and through a bare Event Socket loop,
the same flow (answer, a 2 s prompt, hangup), in the same run. Run by hand against a live switch:

    FSAPP_TEST_FREESWITCH=127.0.0.1:8021:ClueCon python bench/live_capacity.py [--calls 400] [--rate 40]

The switch must run on this machine with its stock configuration (as for tests/live): fsapp's pieces are
rendered and installed as the live suite does, the switch's sessions-per-second is raised to 500 for the run
(``fsctl sps``) and put back, and everything is undone at the end. Each controller runs in its own process
pinned to core 0 and measures its own CPU time from the first park to the last hangup; an observer connection
reads CHANNEL_PARK and CHANNEL_ANSWER times from the switch. Prints one JSON line per run: success rate, ms of
controller CPU per call and park->answer latency (median, p95) for each controller, and the ratios to the bare
loop. Target: the whole controller at most 2 ms per call and 2x the bare loop. Without FSAPP_TEST_FREESWITCH it prints that it was skipped.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import PLAIN_FLOW, PROMPT, cpu_seconds, per_call_ms, pin_to_cpu, whole_controller  # noqa: E402

CALLER_PORT = 5360


def fsapp_controller(address: tuple[str, int, str], calls: int, out: multiprocessing.Queue) -> None:
    pin_to_cpu(0)
    from gevent.event import Event

    from fsapp.switch.service import Switch

    finished, state = Event(), {"done": 0, "cpu0": None}

    def main(call) -> None:
        if state["cpu0"] is None:
            state["cpu0"] = cpu_seconds()
        try:
            call.answer()
            call.playback(PROMPT)
            call.hangup()
        finally:
            state["done"] += 1
            if state["done"] >= calls:
                finished.set()

    switch = Switch(*address)
    switch.route("main", main)
    switch.start().wait_connected(30)
    out.put("ready")
    finished.wait(600)
    out.put({"handled": state["done"], "cpu_ms_per_call": per_call_ms(state["cpu0"], state["done"])})
    switch.stop()


def bare_controller(address: tuple[str, int, str], calls: int, out: multiprocessing.Queue) -> None:
    """The smallest useful controller: one connection, a greenlet per parked call, no registry."""
    pin_to_cpu(0)
    import gevent
    from gevent.event import Event

    from fsapp.esl.connection import ESLConnection
    from fsapp.esl.errors import ESLError

    finished, state = Event(), {"done": 0, "cpu0": None}
    connection = ESLConnection(*address).connect()
    connection.subscribe(["CHANNEL_PARK", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP_COMPLETE"])

    def drive(uuid: str) -> None:
        try:
            connection.execute(uuid, "answer")
            connection.execute(uuid, "playback", PROMPT, timeout=60)
            connection.hangup(uuid)
        except ESLError:
            pass
        finally:
            state["done"] += 1
            if state["done"] >= calls:
                finished.set()

    def dispatch() -> None:
        for event in connection.iter_events():
            if event.name == "CHANNEL_PARK" and event.get("variable_fsapp_entry") == "main":
                if state["cpu0"] is None:
                    state["cpu0"] = cpu_seconds()
                gevent.spawn(drive, event.uuid)

    gevent.spawn(dispatch)
    out.put("ready")
    finished.wait(600)
    out.put({"handled": state["done"], "cpu_ms_per_call": per_call_ms(state["cpu0"], state["done"])})


def run(controller, args: tuple, live, sipp, calls: int, rate: float) -> dict:
    """One controller against SIPp callers; the observer in this process times park -> answer."""
    from tests.fidelity import RawObserver, events_of
    from tests.live import scenarios
    from tests.live.livekit import TRUNKS_PORT

    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=controller, args=(*args, calls, out))
    process.start()
    assert out.get(timeout=60) == "ready"
    observer = RawObserver(*live.address)
    caller = sipp.run(f"callers_{controller.__name__}", scenarios.caller("6000"), "-r", str(rate), "-rp", "1000",
                      remote=f"127.0.0.1:{TRUNKS_PORT}", port=CALLER_PORT, calls=calls, at_once=int(rate * 10))
    status = sipp.finish(caller, 600)
    result = out.get(timeout=120)
    process.join(30)
    rx, _ = observer.close()
    parked, latencies = {}, []
    for event in events_of(rx):
        if event.name == "CHANNEL_PARK" and event.get("variable_fsapp_entry") == "main":
            parked[event.uuid] = int(event["Event-Date-Timestamp"])
        elif event.name == "CHANNEL_ANSWER" and event.uuid in parked:
            latencies.append((int(event["Event-Date-Timestamp"]) - parked.pop(event.uuid)) / 1000)
    answered = len(latencies)
    return {**result, "sipp_exit": status, "success_rate": round(answered / calls, 4),
            "park_to_answer_ms": {"median": round(statistics.median(latencies), 2) if latencies else None,
                                  "p95": round(statistics.quantiles(latencies, n=20)[-1], 2)
                                  if len(latencies) >= 20 else None}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rate", type=float, default=40.0, help="calls placed per second")
    args = parser.parse_args()
    value = os.environ.get("FSAPP_TEST_FREESWITCH")
    if not value:
        print(json.dumps({"benchmark": "live_capacity", "skipped": "no live FreeSWITCH: set "
                          "FSAPP_TEST_FREESWITCH=host:port:password"}))
        return
    host, port, password = value.split(":", 2)
    print(json.dumps(measure((host, int(port), password), args.calls, args.rate)))


def measure(address: tuple[str, int, str], calls: int, rate: float) -> dict:
    import yaml
    from click.testing import CliRunner

    from cli import main as cli_main
    from tests.live.conftest import PASSWORDS, LiveSetup
    from tests.live.livekit import Sipp, SwitchConf, live_settings, prepare_work_dir
    from tests.live.pcaps import speech_20ms

    work = Path(tempfile.mkdtemp(prefix="fsapp-live-capacity-"))
    prepare_work_dir(work, PASSWORDS)
    (work / "fsapp.yaml").write_text(yaml.safe_dump(live_settings(address, work)))
    live = LiveSetup(address, work, work / "fsapp.yaml", SwitchConf(Path(_api(address, "global_getvar conf_dir")
                                                                          .strip()), lambda c: _api(address, c)),
                     speech_20ms(work / "speech20.pcap"))
    rendered = CliRunner().invoke(cli_main, ["--config", str(live.config_path), "conf", "render", "--out",
                                             str(work / "rendered")])
    assert rendered.exit_code == 0, rendered.output
    limit = int(re.search(r"out of max (\d+)", _api(address, "status"))[1])
    sipp = Sipp(work / "sipp")   # prepare_work_dir made it
    try:
        live.conf.install(work / "rendered")   # undone below even when it stops half-way
        _api(address, "fsctl sps 500")
        fsapp = run(fsapp_controller, (address,), live, sipp, calls, rate)
        whole = run(whole_controller, (str(ivr_config(work, address)), {}), live, sipp, calls, rate)
        bare = run(bare_controller, (address,), live, sipp, calls, rate)
    finally:
        sipp.stop_all()
        _api(address, f"fsctl sps {limit}")
        live.conf.undo()
    return {"benchmark": "live_capacity", "calls": calls, "rate_per_s": rate, "switch_sps": 500, "prompt_s": 2,
            "loadavg": os.getloadavg()[0], "fsapp": fsapp, "fsapp_controller": whole, "bare_connection": bare,
            "ratio_fsapp_to_bare": _ratio(fsapp, bare), "ratio_controller_to_bare": _ratio(whole, bare),
            "target_ms": 2.0, "target_ratio": 2.0}


def _ratio(one: dict, other: dict) -> float | None:
    return (round(one["cpu_ms_per_call"] / other["cpu_ms_per_call"], 2)
            if one["cpu_ms_per_call"] and other["cpu_ms_per_call"] else None)


def ivr_config(work: Path, address: tuple[str, int, str]) -> Path:
    """fsapp.yaml for the whole controller: the live run's, with entry ``main`` on a flow doing what the others do."""
    import yaml

    from tests.live.livekit import live_settings

    flows = work / "plain_flows"
    flows.mkdir()
    (flows / "plain.yaml").write_text(PLAIN_FLOW)
    settings = live_settings(address, work)
    settings["ivr"].update(flows_dir=str(flows), entries={"main": "plain"})
    settings["switch"]["calls_per_second"] = 500
    path = work / "fsapp-plain.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def _api(address: tuple[str, int, str], command: str) -> str:
    from fsapp.esl.connection import ESLConnection

    connection = ESLConnection(*address).connect()
    try:
        return connection.api(command)
    finally:
        connection.close()


if __name__ == "__main__":
    main()
