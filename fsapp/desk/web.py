"""The desk's request and reply: cookies, templates (jinja2, escaped), security headers, JSON for the script."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from fsapp.desk.sessions import DeskSession
from fsapp.store.reference import display_reference

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"]))
TEMPLATES.filters["ref"] = display_reference
SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"),
]
_REASONS = {200: "OK", 201: "Created", 303: "See Other", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
            409: "Conflict", 413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error"}


@dataclass
class DeskRequest:
    environ: dict[str, Any]
    method: str
    path: str
    query: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    session: DeskSession | None = None
    session_id: str | None = None

    @property
    def wants_json(self) -> bool:
        return "application/json" in self.environ.get("HTTP_ACCEPT", "")

    def cookie(self, name: str) -> str | None:
        try:
            jar = SimpleCookie(self.environ.get("HTTP_COOKIE", ""))
        except CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel is not None else None

    @property
    def me(self) -> DeskSession:
        assert self.session is not None, "a signed-in route"
        return self.session


@dataclass
class Reply:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)

    def status_line(self) -> str:
        return f"{self.status} {_REASONS.get(self.status, 'Error')}"


class StreamReply:
    """A streamed answer (the event stream)."""

    def __init__(self, chunks: Iterable[bytes], headers: list[tuple[str, str]]) -> None:
        self.chunks = chunks
        self.headers = headers


def page(template: str, code: int = 200, **values: Any) -> Reply:
    html = TEMPLATES.get_template(template).render(**values).encode("utf-8")
    return Reply(code, html, [("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS])


def json_reply(data: Any, status: int = 200) -> Reply:
    body = json.dumps(data, default=str, ensure_ascii=False).encode("utf-8")
    return Reply(status, body, [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")])


def redirect(location: str) -> Reply:
    return Reply(303, b"", [("Location", location), ("Cache-Control", "no-store")])


def cookie_header(name: str, value: str, *, max_age: int | None, secure: bool, path: str = "/desk") -> tuple[str, str]:
    """``Set-Cookie`` for the desk: HttpOnly, SameSite=Strict, the desk's path; ``max_age=0`` deletes it."""
    parts = [f"{name}={value}", f"Path={path}", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return ("Set-Cookie", "; ".join(parts))
