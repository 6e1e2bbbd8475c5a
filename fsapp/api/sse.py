"""Server-sent events: messages from a live-feed subscription as ``text/event-stream`` chunks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from gevent.queue import Empty, Queue


def event_bytes(kind: str, data: Any, event_id: int | None = None) -> bytes:
    """One SSE message: ``event: <kind>``, ``data: <json>`` (one line), blank line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, default=str, ensure_ascii=False)}\n\n".encode("utf-8")


def stream(queue: Queue, release: Callable[[Queue], None], keepalive: float = 15.0) -> Iterator[bytes]:
    """Yield the subscription's messages until the feed ends it; a comment line keeps idle links open."""
    counter = 0
    try:
        yield b"retry: 2000\n\n"
        while True:
            try:
                kind, data = queue.get(timeout=keepalive)
            except Empty:
                yield b": keepalive\n\n"
                continue
            counter += 1
            yield event_bytes(kind, data, counter)
            if kind == "end":
                return
    finally:
        release(queue)


def parse_stream(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """The client side: ``(event, data)`` from the lines of an event stream (comments skipped)."""
    kind, data = "message", []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data:
                yield kind, json.loads("\n".join(data))
            kind, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
