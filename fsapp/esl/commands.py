"""Event Socket commands as bytes (sans-IO), exactly as FreeSWITCH's clients send them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fsapp.esl.errors import ESLError

EVENT_FORMATS = ("plain", "json", "xml")
EXECUTION_TAG = "fsapp"
"""Sent as ``Event-UUID-Name`` with every application fsapp waits for; the switch puts it on the application's
events as ``Application-UUID-Name``, which tells them from the dial plan's own (see :func:`own_executions_filters`)."""
EXECUTE_COMPLETE = "CHANNEL_EXECUTE_COMPLETE"


def _line(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise ESLError(f"a command line cannot contain a newline: {text[:60]!r}")
    return text


def simple(command: str) -> bytes:
    """A one-line command: ``api status``, ``linger``, ``exit``..."""
    return f"{_line(command)}\n\n".encode()


def auth(password: str) -> bytes:
    return simple(f"auth {password}")


def api(command: str) -> bytes:
    return simple(f"api {command}")


def bgapi(command: str, job_uuid: str | None = None) -> bytes:
    """``bgapi``; with ``job_uuid`` the switch uses it as the job's id (sent as a Job-UUID header)."""
    if job_uuid:
        return f"bgapi {_line(command)}\nJob-UUID: {_line(job_uuid)}\n\n".encode()
    return simple(f"bgapi {command}")


def event(names: Iterable[str], fmt: str = "plain") -> bytes:
    """Subscribe to events. Custom subclasses must follow ``CUSTOM``, so CUSTOM is moved last."""
    if fmt not in EVENT_FORMATS:
        raise ESLError(f"event format must be one of {EVENT_FORMATS}, not {fmt!r}")
    plain_names: list[str] = []
    subclasses: list[str] = []
    for name in names:
        if name == "CUSTOM":
            continue
        (subclasses if "::" in name else plain_names).append(name)
    words = plain_names + (["CUSTOM", *subclasses] if subclasses else [])
    return simple(f"event {fmt} {' '.join(words)}")


def own_executions_filters(names: Iterable[str]) -> list[tuple[str, str]] | None:
    """The ``filter`` pairs that keep every subscribed event but the completions of applications fsapp does not
    wait for (the dial plan's ``set``, ``export``, ``sched_transfer``..., hold music queued without a name; each
    such event carries every channel variable).

    A socket with filters gets an event only when one of them matches it: one per subscribed event name, and
    for CHANNEL_EXECUTE_COMPLETE only its ``Application-UUID-Name`` (:data:`EXECUTION_TAG`). None when nothing
    can be left out (not subscribed to completions, or to ``ALL``, whose names cannot be listed).
    """
    wanted = {"CUSTOM" if "::" in name else name for name in names}
    if EXECUTE_COMPLETE not in wanted or "ALL" in wanted:
        return None
    pairs = [("Event-Name", name) for name in sorted(wanted - {EXECUTE_COMPLETE})]
    return pairs + [("Application-UUID-Name", EXECUTION_TAG)]


def filter_add(header: str, value: str) -> bytes:
    return simple(f"filter {header} {value}")


def filter_delete(header: str, value: str | None = None) -> bytes:
    return simple(f"filter delete {header}" + (f" {value}" if value else ""))


def linger(seconds: int | None = None) -> bytes:
    return simple("linger" if seconds is None else f"linger {int(seconds)}")


def sendmsg(uuid: str, headers: Mapping[str, str], body: str | None = None) -> bytes:
    """``sendmsg <uuid>`` with its headers; a body goes after the blank line with its length."""
    lines = [f"sendmsg {_line(uuid)}"]
    lines += [f"{_line(name)}: {_line(value)}" for name, value in headers.items()]
    if body:
        data = body.encode()
        lines += ["Content-Type: text/plain", f"Content-Length: {len(data)}"]
        return ("\n".join(lines) + "\n\n").encode() + data
    return ("\n".join(lines) + "\n\n").encode()


def execute(uuid: str, app: str, arg: str | None = None, *, event_uuid: str | None = None,
            event_lock: bool = True, loops: int | None = None, tag: str | None = EXECUTION_TAG) -> bytes:
    """``sendmsg`` ``call-command: execute``, named ``tag`` (:data:`EXECUTION_TAG`); an argument with a newline
    travels as the body."""
    headers = {"call-command": "execute", "execute-app-name": app}
    body = None
    if arg is not None and arg != "":
        if "\n" in arg:
            body = arg
        else:
            headers["execute-app-arg"] = arg
    if loops is not None:
        headers["loops"] = str(loops)
    if event_lock:
        headers["event-lock"] = "true"
    if event_uuid:
        headers["Event-UUID"] = event_uuid
    if tag:
        headers["Event-UUID-Name"] = tag
    return sendmsg(uuid, headers, body)


def hangup(uuid: str, cause: str = "NORMAL_CLEARING") -> bytes:
    return sendmsg(uuid, {"call-command": "hangup", "hangup-cause": cause})


def unicast(uuid: str, local_ip: str, local_port: int, remote_ip: str, remote_port: int,
            transport: str = "udp", flags: str | None = None) -> bytes:
    headers = {"call-command": "unicast", "local-ip": local_ip, "local-port": str(local_port),
               "remote-ip": remote_ip, "remote-port": str(remote_port), "transport": transport}
    if flags:
        headers["flags"] = flags
    return sendmsg(uuid, headers)


def nomedia(uuid: str, info: str = "") -> bytes:
    headers = {"call-command": "nomedia"}
    if info:
        headers["nomedia-uuid"] = info
    return sendmsg(uuid, headers)


def sendevent(name: str, headers: Mapping[str, str], body: str | None = None) -> bytes:
    """``sendevent NAME`` (for CUSTOM events, put ``Event-Subclass`` in ``headers``)."""
    lines = [f"sendevent {_line(name)}"]
    lines += [f"{_line(key)}: {_line(value)}" for key, value in headers.items()]
    if body:
        data = body.encode()
        lines.append(f"Content-Length: {len(data)}")
        return ("\n".join(lines) + "\n\n").encode() + data
    return ("\n".join(lines) + "\n\n").encode()
