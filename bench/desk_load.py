"""The desk's cost to the controller: 50 operators signed in with live updates, against none.

One process runs the simulated switch and the real controller with its API and desk (pinned to core 0);
a ready/break change every second on one agent keeps the live picture moving, as a working day does. Another
process (core 1) signs 50 people in, loads each one's desk page and holds each one's event stream open,
reading every update. The controller measures its own CPU time over the same window with no operators and
then with the 50. Prints one JSON line; target: the desk adds less than 5% of a core.

    python bench/desk_load.py [--operators 50] [--seconds 20]
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

from benchlib import cpu_seconds, pin_to_cpu  # noqa: E402

PASSWORD = "a long bench password"
TARGET = 0.05


def controller_side(operators: int, seconds: float, to_clients: multiprocessing.Queue,
                    from_clients: multiprocessing.Queue, out: multiprocessing.Queue) -> None:
    pin_to_cpu(0)
    import gevent

    from fsapp.config import load_config
    from fsapp.controller import Controller
    from fsapp.desk.passwords import hash_password
    from fsapp.sim import SimulatedSwitch

    sim = SimulatedSwitch(password="ClueCon", speed=1.0)
    host, port = sim.start()
    state = Path(tempfile.mkdtemp(prefix="fsapp-desk-bench-"))
    config = load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
        "database.url": f"sqlite:///{state / 'fsapp.db'}", "ivr.flows_dir": str(ROOT / "ivr_scripts"),
        "acd.file": str(ROOT / "conf" / "acd.yaml"), "register.file": str(ROOT / "conf" / "register.yaml"),
        "speech.tts_cache": str(ROOT / "sounds" / "tts"), "paths.recordings": str(state / "recordings"),
        "paths.state": str(state), "switch.host": host, "switch.port": port, "api.port": _free_port()})
    controller = Controller(config)
    controller.store.migrate()
    password_hash = hash_password(PASSWORD)
    for index in range(operators):
        controller.store.add_desk_user(f"op{index:02d}", "supervisor", password_hash)
    api = controller.start().start_api()
    controller.switch.wait_connected(30)
    moving = gevent.spawn(_keep_the_picture_moving, controller)
    idle = _cpu_share(seconds)
    to_clients.put(api.url)
    ready = _get(from_clients)   # every operator signed in and streaming
    gevent.sleep(3.0)            # sign-ins (argon2) done: measure the steady state
    busy = _cpu_share(seconds)
    to_clients.put("stop")
    received = _get(from_clients)
    moving.kill()
    controller.stop()
    sim.stop()
    out.put({"idle": idle, "busy": busy, "ready": ready, "events": received})


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(queue: multiprocessing.Queue) -> object:
    """A message from the other process, waited for on a thread: the hub goes on serving meanwhile."""
    import gevent

    return gevent.get_hub().threadpool.apply(queue.get)


def _keep_the_picture_moving(controller: object) -> None:
    import gevent

    acd = controller.acd  # type: ignore[attr-defined]
    acd.agent_login("ingrid")
    while True:
        gevent.sleep(1.0)
        acd.agent_break("ingrid", "lunch")
        gevent.sleep(1.0)
        acd.agent_ready("ingrid")


def _cpu_share(seconds: float) -> float:
    import gevent

    start_cpu, start = cpu_seconds(), time.monotonic()
    gevent.sleep(seconds)
    return (cpu_seconds() - start_cpu) / (time.monotonic() - start)


def client_side(operators: int, from_controller: multiprocessing.Queue, to_controller: multiprocessing.Queue) -> None:
    pin_to_cpu(1)
    import gevent

    sys.path.insert(0, str(ROOT))
    from tests.desk.desk_http import DeskClient

    url = _get(from_controller)
    counts = [0] * operators
    streams = []
    for index in range(operators):
        desk = DeskClient(url)
        if desk.sign_in(f"op{index:02d}", PASSWORD).status != 303:
            raise SystemExit(f"op{index:02d} could not sign in")
        streams.append(gevent.spawn(_read_stream, desk, counts, index))
    while sum(1 for count in counts if count) < operators:
        gevent.sleep(0.1)
    to_controller.put(operators)
    _get(from_controller)   # "stop"
    to_controller.put(sum(counts))
    gevent.killall(streams)


def _read_stream(desk: object, counts: list[int], index: int) -> None:
    from gevent import socket as gsocket

    host, port = desk.host, desk.port  # type: ignore[attr-defined]
    cookie = "; ".join(f"{k}={v}" for k, v in desk.jar.items())  # type: ignore[attr-defined]
    connection = gsocket.create_connection((host, port))
    connection.sendall(f"GET /desk/events HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\r\n".encode())
    while True:
        chunk = connection.recv(65536)
        if not chunk:
            return
        counts[index] += chunk.count(b"\nevent: ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operators", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    to_clients: multiprocessing.Queue = multiprocessing.Queue()
    from_clients: multiprocessing.Queue = multiprocessing.Queue()
    out: multiprocessing.Queue = multiprocessing.Queue()
    clients = multiprocessing.Process(target=client_side, args=(args.operators, to_clients, from_clients))
    clients.start()
    controller = multiprocessing.Process(target=controller_side,
                                         args=(args.operators, args.seconds, to_clients, from_clients, out))
    controller.start()
    result = out.get(timeout=args.seconds * 2 + 600)
    controller.join(30)
    clients.join(30)
    added = result["busy"] - result["idle"]
    print(json.dumps({"bench": "desk_load", "operators": result["ready"], "seconds": args.seconds,
                      "controller_cpu_share_idle": round(result["idle"], 4),
                      "controller_cpu_share_with_desks": round(result["busy"], 4),
                      "desk_share_of_a_core": round(added, 4), "events_delivered": result["events"],
                      "target": TARGET, "ok": added < TARGET}))


if __name__ == "__main__":
    main()
