"""Reading an HTTP request's body: the one place fsapp reads bodies (control API, Open311, SMS webhook).

A body is read only up to ``limit`` bytes (a larger Content-Length is refused before reading: 413) and within
``timeout`` seconds (408); a body shorter than its Content-Length is a 400 once the client stops sending.
JSON bodies are objects nested at most :data:`MAX_JSON_DEPTH` levels. Each error carries its HTTP status.

When a body is refused unread, the request's ``wsgi.input`` is marked ``abandoned`` (see
:mod:`fsapp.api.httpserver`) so the server closes the connection instead of reading the rest.
"""

from __future__ import annotations

import json
from typing import Any

import gevent

from fsapp.errors import FsappError

MAX_JSON_DEPTH = 32


class BodyError(FsappError):
    """A request body fsapp will not take; ``status`` is the HTTP answer."""

    status = 400


class BadBody(BodyError):
    status = 400


class BodyTimeout(BodyError):
    status = 408


class BodyTooLarge(BodyError):
    status = 413


def abandon_body(environ: dict[str, Any]) -> None:
    """This request's body will not be read: the server must not drain it (it closes the connection)."""
    body = environ.get("wsgi.input")
    if hasattr(body, "abandoned"):
        body.abandoned = True


def declared_length(environ: dict[str, Any]) -> int | None:
    """The Content-Length (None with a chunked body or none at all); a bad one is a 400."""
    text = environ.get("CONTENT_LENGTH") or ""
    if not text:
        return None
    if not text.strip().isdigit():
        raise BadBody("bad Content-Length")
    return int(text)


def check_length(environ: dict[str, Any], limit: int) -> None:
    """Refuse (413) a body declared larger than ``limit`` without reading any of it."""
    length = declared_length(environ)
    if length is not None and length > limit:
        abandon_body(environ)
        raise BodyTooLarge(f"body larger than {limit} bytes")


def read_body(environ: dict[str, Any], limit: int, timeout: float) -> bytes:
    """The whole body, at most ``limit`` bytes, read within ``timeout`` seconds."""
    check_length(environ, limit)
    length = declared_length(environ)
    chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
    if not length and not chunked:
        return b""
    stream = environ["wsgi.input"]
    try:
        with gevent.Timeout(timeout):
            raw = stream.read(length) if length else stream.read(limit + 1)
    except gevent.Timeout:
        abandon_body(environ)
        raise BodyTimeout(f"body not sent within {timeout:g} s") from None
    except (OSError, ValueError) as exc:   # the client stopped short of its Content-Length, or bad chunks
        abandon_body(environ)
        raise BadBody(f"body incomplete: {exc}") from None
    if len(raw) > limit:
        abandon_body(environ)
        raise BodyTooLarge(f"body larger than {limit} bytes")
    return raw


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """A JSON object (empty body: ``{}``), nested at most :data:`MAX_JSON_DEPTH` levels."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadBody(f"body nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        raise BadBody(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadBody("body must be a JSON object")
    if _depth(data) > MAX_JSON_DEPTH:
        raise BadBody(f"body nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (iterative: no recursion on hostile input)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        deepest = max(deepest, level)
        if level > MAX_JSON_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        pending.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest
