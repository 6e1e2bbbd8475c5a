"""Event Socket throughput: fsapp's connection against greenswitch's InboundESL, same stream, same run.

A loopback server (its own process, on the other core) logs the client in, then streams N realistic events
(real CHANNEL_* events from the recorded switch, 60-95 headers each) as fast as the client takes them.
Each client runs in a fresh process pinned to one core and counts events through its dispatcher.
Prints one JSON line: events/s and peak RSS for each, and the ratio. fsapp decodes headers when they are
read; ``fsapp_all_headers_decoded`` is the same client made to decode every header of every event.

    python bench/esl_throughput.py [--events 100000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import peak_rss_mb, pin_to_cpu  # noqa: E402

TRANSCRIPTS = ROOT / "tests" / "data" / "transcripts" / "call-control"


def realistic_events() -> list[bytes]:
    """Plain event bodies from the recordings with 60-95 headers."""
    from fsapp.esl.parser import FrameParser

    bodies = []
    for path in sorted(TRANSCRIPTS.glob("*.rx.bin")):
        for frame in FrameParser().feed(path.read_bytes()):
            if frame.content_type == "text/event-plain":
                count = frame.body.split(b"\n\n", 1)[0].count(b"\n") + 1
                if 60 <= count <= 95:
                    bodies.append(frame.body)
    return bodies


def stream_blob(total: int) -> bytes:
    bodies = realistic_events()
    frames = []
    for index in range(total):
        body = bodies[index % len(bodies)]
        frames.append(b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(body) + body)
    return b"".join(frames)


def serve(listener: socket.socket, total: int, ready: multiprocessing.Event) -> None:
    pin_to_cpu(1)
    blob = stream_blob(total)
    ready.set()
    while True:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"Content-Type: auth/request\n\n")
            _read_command(conn)
            conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n")
            _read_command(conn)
            conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n")
            try:
                conn.sendall(blob)
                conn.recv(1)
            except OSError:
                pass


def _read_command(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n\n"):
        chunk = conn.recv(1)
        if not chunk:
            break
        data += chunk
    return data




def run_fsapp_full(port: int, total: int, out: multiprocessing.Queue) -> None:
    """fsapp with every header of every event decoded (as a consumer of all headers would)."""
    run_fsapp(port, total, out, full=True)


def run_fsapp(port: int, total: int, out: multiprocessing.Queue, full: bool = False) -> None:
    pin_to_cpu(0)
    from fsapp.esl.connection import ESLConnection

    connection = ESLConnection("127.0.0.1", port, "ClueCon", queue_size=1000).connect()
    seen = {"count": 0}

    def handler(event) -> None:
        seen["count"] += 1
        event.uuid  # what a dispatcher reads to route an event
        if full:
            event.headers

    started = time.perf_counter()  # from the subscription to the last event handled, as for greenswitch
    connection.subscribe(["ALL"])
    while seen["count"] < total:
        handler(connection.next_event(timeout=60))
    elapsed = time.perf_counter() - started
    out.put({"events_per_s": round(total / elapsed), "peak_rss_mb": peak_rss_mb()})
    connection.close()


def run_greenswitch(port: int, total: int, out: multiprocessing.Queue) -> None:
    pin_to_cpu(0)
    import gevent
    import greenswitch

    seen = {"count": 0}
    finished = gevent.event.Event()

    def handler(event) -> None:
        seen["count"] += 1
        event.headers.get("Unique-ID")
        if seen["count"] >= total:
            finished.set()

    client = greenswitch.InboundESL(host="127.0.0.1", port=port, password="ClueCon")
    client.connect()
    client.register_handle("*", handler)
    started = time.perf_counter()
    client.send("event plain ALL")
    finished.wait(600)
    elapsed = time.perf_counter() - started
    out.put({"events_per_s": round(seen["count"] / elapsed), "peak_rss_mb": peak_rss_mb()})




def measure(target, port: int, total: int) -> dict:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=target, args=(port, total, out))
    process.start()
    result = out.get(timeout=900)
    process.join(30)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    ready = context.Event()
    server = context.Process(target=serve, args=(listener, args.events, ready), daemon=True)
    server.start()
    ready.wait(120)
    sizes = realistic_events()
    result: dict = {"benchmark": "esl_throughput", "events": args.events,
                    "mean_event_bytes": round(sum(map(len, sizes)) / len(sizes))}
    result["fsapp"] = measure(run_fsapp, port, args.events)
    result["fsapp_all_headers_decoded"] = measure(run_fsapp_full, port, args.events)
    try:
        import greenswitch  # noqa: F401
    except ImportError:
        result["greenswitch"] = None
        result["note"] = "greenswitch not installed (pip install -e '.[bench]')"
    else:
        result["greenswitch"] = measure(run_greenswitch, port, args.events)
        result["ratio_fsapp_to_greenswitch"] = round(
            result["fsapp"]["events_per_s"] / result["greenswitch"]["events_per_s"], 2)
    server.terminate()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
