"""The control API as one WSGI application: JSON routes, the event stream, recordings' audio, the
screen-pop page, the OpenAPI document, and Open311 mounted under ``/open311/v2``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from fsapp.api.auth import Principal, authenticate, require
from fsapp.api.context import ControlContext
from fsapp.api.errors import ApiError, NotFoundError
from fsapp.api.open311 import Open311Settings, make_open311_app
from fsapp.api.openapi import openapi_document
from fsapp.api.pages import render_screen_pop, screen_pop_data
from fsapp.api.public_channels import make_public_apps
from fsapp.api.recordings import recording_file
from fsapp.api.request import Request, parse_query, read_json_body
from fsapp.api.routes import EVENTS_PATH, PREFIX, match
from fsapp.api.sse import stream
from fsapp.desk.app import DeskApp
from fsapp.desk.routes import DESK_PREFIX
from fsapp.httpbody import BodyError, abandon_body

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
OPEN311_PREFIX = "/open311/v2"
_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict",
            413: "Payload Too Large", 500: "Internal Server Error"}


def _json(start_response: StartResponse, status: int, body: Any) -> list[bytes]:
    data = json.dumps(body, default=str, ensure_ascii=False).encode("utf-8")
    start_response(f"{status} {_REASONS.get(status, 'Error')}",
                   [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


def open311_settings(ctx: ControlContext) -> Open311Settings:
    config = ctx.controller.config
    return Open311Settings(page_size=config.open311.page_size, max_page_size=config.open311.max_page_size,
                           max_service_codes=config.open311.max_service_codes,
                           max_request_ids=config.open311.max_request_ids, max_days=config.open311.max_days,
                           max_body=config.api.max_body, read_timeout=config.api.read_timeout)


def make_control_app(ctx: ControlContext) -> Callable[..., Iterable[bytes]]:
    """The WSGI application over ``ctx``; Open311 keys are the store's (``fsapp open311 keys``)."""
    open311 = make_open311_app(ctx.controller.store, open311_settings(ctx))
    document = openapi_document()
    public = make_public_apps(ctx)   # the chat widget and the webhooks, each with its own checks
    desk = DeskApp(ctx)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path == OPEN311_PREFIX or path.startswith(OPEN311_PREFIX + "/"):
            inner = dict(environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + OPEN311_PREFIX,
                         PATH_INFO=path[len(OPEN311_PREFIX):] or "/")
            return open311(inner, start_response)
        if path == DESK_PREFIX or path.startswith(DESK_PREFIX + "/"):
            return desk(environ, start_response)   # the operator's desk (sessions, forms, pages)
        for prefix, mounted in public.items():
            if path.startswith(prefix + "/"):
                inner = dict(environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + prefix, PATH_INFO=path[len(prefix):])
                return mounted(inner, start_response)
        if path == "/openapi.json" and method == "GET":
            return _json(start_response, 200, document)
        try:
            return _serve(ctx, environ, start_response, method, path)
        except (ApiError, BodyError) as exc:
            if exc.status in (401, 403, 404, 405):
                abandon_body(environ)   # refused before its body was wanted: it is not read either
            return _json(start_response, exc.status, {"error": str(exc)})
        except Exception:
            log.exception("%s %s failed", method, path)
            return _json(start_response, 500, {"error": "internal error (see the controller's log)"})

    app.desk = desk  # type: ignore[attr-defined]
    return app


def _principal(ctx: ControlContext, environ: dict[str, Any], query: dict[str, str],
               allow_query_token: bool = False) -> Principal:
    header = environ.get("HTTP_AUTHORIZATION")
    if header is None and allow_query_token and query.get("token"):
        header = f"Bearer {query['token']}"   # a softphone opens the page by URL
    return authenticate(header, ctx.tokens)


def _serve(ctx: ControlContext, environ: dict[str, Any], start_response: StartResponse, method: str,
           path: str) -> Iterable[bytes]:
    query = parse_query(environ.get("QUERY_STRING", ""))
    if path.startswith("/screen-pop/") and method == "GET":
        principal = _principal(ctx, environ, query, allow_query_token=True)
        require(principal, "screenpop")
        html = render_screen_pop(screen_pop_data(ctx, path.rsplit("/", 1)[1], principal.actor)).encode("utf-8")
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(html)))])
        return [html]
    if path == EVENTS_PATH and method == "GET":
        require(_principal(ctx, environ, query), "read")
        start_response("200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                                  ("X-Accel-Buffering", "no")])
        return stream(ctx.feed.subscribe(), ctx.feed.unsubscribe)
    route, params, exists = match(method, path)
    if route is None:
        if path.startswith(f"{PREFIX}/recordings/") and method == "GET":
            return _recording_audio(ctx, environ, start_response, query, path.rsplit("/", 1)[1])
        raise NotFoundError(f"no {method} {path}" if exists else f"no such resource {path}")
    principal = _principal(ctx, environ, query)
    require(principal, route.permission)
    api = ctx.controller.config.api
    body = read_json_body(environ, api.max_body, api.read_timeout) if method != "GET" else {}
    request = Request(method, path, query, body, params, principal)
    status, body = route.handler(ctx, request)
    return _json(start_response, status, body)


def _recording_audio(ctx: ControlContext, environ: dict[str, Any], start_response: StartResponse,
                     query: dict[str, str], name: str) -> Iterable[bytes]:
    principal = _principal(ctx, environ, query)
    require(principal, "recordings")
    found = recording_file(ctx.controller.config.paths.recordings, ctx.controller.store, name)
    if found is None:
        raise NotFoundError(f"no recording {name}")
    ctx.audit(principal.actor, "recording-download", "recording", name)
    data = found.read_bytes()
    start_response("200 OK", [("Content-Type", "audio/wav"), ("Content-Length", str(len(data)))])
    return [data]
