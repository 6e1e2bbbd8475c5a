"""What browsers and gateways reach without an API token: the chat widget and its JSON, the SMS and social
media webhooks. Mounted by :mod:`fsapp.api.app` under ``/chat`` and ``/hooks``.

Everything here is hostile input: every request is size-limited (read within the API's timeout), the chat is
rate-limited per browser address, the webhooks need their own token (compared in constant time) and only the
sites in ``chat.allowed_origins`` may call the chat from their pages (CORS).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fsapp.api.context import ControlContext
from fsapp.api.ratelimit import RateLimiter
from fsapp.api.request import parse_query
from fsapp.channels.chat import ChatError
from fsapp.channels.conversations import visitor_from
from fsapp.channels.service import ChannelService
from fsapp.channels.workdesk import WorkError
from fsapp.httpbody import BodyError, abandon_body, parse_json_object, read_body
from fsapp.notify.inbound import make_sms_webhook

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
WIDGET = Path(__file__).resolve().parent.parent / "channels" / "static" / "widget.js"
CHAT_PREFIX, HOOKS_PREFIX = "/chat", "/hooks"
_STATUS = {200: "200 OK", 201: "201 Created", 204: "204 No Content", 400: "400 Bad Request", 403: "403 Forbidden",
           404: "404 Not Found", 405: "405 Method Not Allowed", 408: "408 Request Timeout",
           409: "409 Conflict", 413: "413 Payload Too Large", 429: "429 Too Many Requests",
           503: "503 Service Unavailable"}
_CHAT_PATH = re.compile(r"^/v1/chats/([A-Za-z0-9_\-]{10,64})(/messages|/close)?$")
_SOURCE_PATH = re.compile(r"^/social/([a-z0-9][a-z0-9_\-]{0,39})$")


class Refused(Exception):
    """Answered with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _answer(start_response: StartResponse, status: int, body: Any, headers: list[tuple[str, str]]) -> list[bytes]:
    data = b"" if status == 204 else json.dumps(body, ensure_ascii=False).encode("utf-8")
    start_response(_STATUS.get(status, f"{status} Error"),
                   [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data))),
                    ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"), *headers])
    return [data]


def make_public_apps(ctx: ControlContext) -> dict[str, WsgiApp]:
    """Path prefix -> WSGI app, for what the configuration turns on (nothing: an empty mapping)."""
    service: ChannelService = ctx.controller.channels
    apps: dict[str, WsgiApp] = {}
    if service.config.chat.enabled:
        apps[CHAT_PREFIX] = ChatApp(ctx, service)
    if service.config.sms.webhook_token or service.config.social.tokens:
        apps[HOOKS_PREFIX] = HooksApp(ctx, service)
    return apps


class ChatApp:
    """The widget's script and its JSON endpoints."""

    def __init__(self, ctx: ControlContext, service: ChannelService) -> None:
        self.ctx, self.service, self.config = ctx, service, service.config.chat
        self.limiter = RateLimiter(ctx.clock)
        self.max_body = min(ctx.controller.config.api.max_body, 4 * self.config.max_message + 2048)
        self.read_timeout = ctx.controller.config.api.read_timeout

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO") or "/", environ.get("REQUEST_METHOD", "GET").upper()
        cors = self._cors(environ)
        try:
            if path == "/widget.js" and method == "GET":
                return self._script(start_response)
            if cors is None:
                raise Refused(403, "this site may not use the chat (chat.allowed_origins)")
            if method == "OPTIONS":
                return _answer(start_response, 204, None, cors + [
                    ("Access-Control-Allow-Methods", "GET, POST"), ("Access-Control-Allow-Headers", "Content-Type"),
                    ("Access-Control-Max-Age", "600")])
            self._limit(environ)
            status, body = self._route(environ, method, path)
        except (Refused, BodyError, ChatError, WorkError) as exc:
            if exc.status in (403, 404, 405, 429):
                abandon_body(environ)
            status, body = exc.status, {"error": str(exc)}
        return _answer(start_response, status, body, cors or [])

    def _script(self, start_response: StartResponse) -> list[bytes]:
        data = WIDGET.read_bytes()
        start_response("200 OK", [("Content-Type", "application/javascript; charset=utf-8"),
                                  ("Content-Length", str(len(data))), ("Cache-Control", "max-age=300"),
                                  ("X-Content-Type-Options", "nosniff")])
        return [data]

    def _cors(self, environ: dict[str, Any]) -> list[tuple[str, str]] | None:
        """Headers letting an allowed site's page call us; None when the calling page's site is not allowed."""
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            return []   # not a cross-site call from a browser
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        if origin == own:
            return []
        if origin in self.config.allowed_origins:
            return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        return None

    def _limit(self, environ: dict[str, Any]) -> None:
        address = environ.get("REMOTE_ADDR", "")
        wait = self.limiter.take(("chat", address), self.config.rate_per_minute)
        if wait:
            raise Refused(429, f"too many requests; try again in {wait} s")

    def _body(self, environ: dict[str, Any]) -> dict[str, Any]:
        return parse_json_object(read_body(environ, self.max_body, self.read_timeout))

    def _route(self, environ: dict[str, Any], method: str, path: str) -> tuple[int, Any]:
        conversations = self.service.conversations
        if path == "/v1/status" and method == "GET":
            return 200, self._status(parse_query(environ.get("QUERY_STRING", "")).get("queue"))
        if path == "/v1/chats" and method == "POST":
            return self._open(self._body(environ))
        if path == "/v1/messages" and method == "POST":
            fields = self._body(environ)
            queue = self.service.chat_queue(_text(fields, "queue"))
            visitor = visitor_from(fields, self.ctx.controller.config.region, self.config.languages)
            return 201, conversations.leave_message(queue, visitor, fields.get("text"), fields.get("callback") is True)
        found = _CHAT_PATH.match(path)
        if found is None:
            raise Refused(404, "no such resource")
        chat_id, action = found.group(1), found.group(2)
        if action is None and method == "GET":
            after = parse_query(environ.get("QUERY_STRING", "")).get("after", "0")
            if not after.isdigit() or len(after) > 6:
                raise Refused(400, "after must be a message number")
            return 200, conversations.chat_view(chat_id, int(after))
        if action == "/messages" and method == "POST":
            return 201, conversations.citizen_says(chat_id, self._body(environ).get("text"))
        if action == "/close" and method == "POST":
            conversations.end_chat(chat_id, "citizen")
            return 200, {"state": "closed"}
        raise Refused(405, "method not allowed")

    def _status(self, wanted: str | None) -> dict[str, Any]:
        queue = self.service.chat_queue(wanted)
        return {"open": self.service.chat_open_now(), "queue": queue, "languages": self.config.languages,
                "waiting": len(self.service.desk.waiting(queue))}

    def _open(self, fields: dict[str, Any]) -> tuple[int, Any]:
        if not self.service.chat_open_now():
            raise Refused(409, "the chat is closed now; leave a message or ask for a callback")
        queue = self.service.chat_queue(_text(fields, "queue"))
        visitor = visitor_from(fields, self.ctx.controller.config.region, self.config.languages)
        try:
            return 201, self.service.conversations.open_chat(queue, visitor, fields.get("text"))
        except ChatError as exc:
            if "too many" in str(exc):
                raise Refused(503, str(exc)) from exc
            raise


def _text(fields: dict[str, Any], key: str) -> str | None:
    value = fields.get(key)
    return value[:60] if isinstance(value, str) else None


class HooksApp:
    """``POST /hooks/sms`` (the SMS gateway) and ``POST /hooks/social/<source>`` (a social media adapter)."""

    def __init__(self, ctx: ControlContext, service: ChannelService) -> None:
        self.service = service
        api = ctx.controller.config.api
        self.read_timeout = api.read_timeout
        sms = service.config.sms
        self.sms = make_sms_webhook(service.store, service.rules, sms.webhook_token, max_body=sms.max_body,
                                    read_timeout=api.read_timeout,
                                    record=lambda address, subject, body: service.receive("sms", address, subject,
                                                                                          body)) \
            if sms.webhook_token else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == "/sms" and self.sms is not None:
            return self.sms(environ, start_response)
        found = _SOURCE_PATH.match(path)
        try:
            if found is None or found.group(1) not in self.service.config.social.tokens:
                raise Refused(404, "no such webhook")
            status, body = 200, self._social(environ, found.group(1))
        except (Refused, BodyError) as exc:
            if exc.status in (403, 404, 405):
                abandon_body(environ)
            status, body = exc.status, {"error": str(exc)}
        return _answer(start_response, status, body, [])

    def _social(self, environ: dict[str, Any], source: str) -> dict[str, Any]:
        if environ.get("REQUEST_METHOD") != "POST":
            raise Refused(405, "POST only")
        scheme, _, given = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        expected = self.service.config.social.tokens[source].encode("utf-8")
        if scheme.lower() != "bearer" or not hmac.compare_digest(expected, given.strip().encode("utf-8")):
            raise Refused(403, "bad token")
        message = social_message(source, parse_json_object(
            read_body(environ, self.service.config.social.max_body, self.read_timeout)))
        return {"interaction": self.service.receive("social", *message)}


def social_message(source: str, fields: dict[str, Any]) -> tuple[str, str, str]:
    """(address, subject, body) of the documented shape ``{"from": {"handle", "name"?}, "text", "url"?}``;
    Refused (400) names what is wrong."""
    sender, text, url = fields.get("from"), fields.get("text"), fields.get("url", "")
    if not isinstance(sender, dict) or not isinstance(sender.get("handle"), str) or not sender["handle"].strip():
        raise Refused(400, "from.handle is required")
    if not isinstance(text, str) or not text.strip():
        raise Refused(400, "text is required")
    if not isinstance(url, str) or (url and not re.match(r"https?://", url)):
        raise Refused(400, "url must be an http(s) address")
    handle = re.sub(r"[\s/]", "", sender["handle"])[:80]
    name = sender.get("name") if isinstance(sender.get("name"), str) else ""
    address = f"{source}/{handle}"   # never a citizen's address: a social account does not prove who writes
    body = text.strip()[:10000] + (f"\n\n{url[:500]}" if url else "")
    return address, f"{source}: {(name or handle)[:80]}", body
