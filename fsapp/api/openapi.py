"""The OpenAPI 3.1 document of the control API, built from the route table and the schemas."""

from __future__ import annotations

from typing import Any

from fsapp import __version__
from fsapp.api.routes import EVENTS_PATH, RECORDING_FILE_PATH, ROUTES, SCREEN_POP_PATH, Route
from fsapp.api.schemas import SCHEMAS, ref

_ERRORS = {400: "Bad request", 401: "No or unknown token", 403: "The token's role may not do this",
           404: "Not found", 409: "Not possible in the current state"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _parameters(route_path: str, query: tuple[str, ...]) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in route_path.split("/") if part.startswith("{")]
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in names]
    params += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}} for name in query]
    return params


def _operation(route: Route) -> dict[str, Any]:
    responses = {str(status): _json(schema, "OK" if status < 300 else "") for status, schema in route.responses.items()}
    responses.update({str(status): _json(ref("Error"), text) for status, text in _ERRORS.items()})
    operation: dict[str, Any] = {"summary": route.summary, "operationId": route.handler.__name__,
                                 "parameters": _parameters(route.path, route.query), "responses": responses,
                                 "x-permission": route.permission}
    if route.body:
        operation["requestBody"] = {"required": False,
                                    "content": {"application/json": {"schema": ref(route.body)}}}
    return operation


def _special_paths() -> dict[str, Any]:
    errors = {str(status): _json(ref("Error"), text) for status, text in _ERRORS.items() if status in (401, 403, 404)}
    return {
        EVENTS_PATH: {"get": {"summary": "Live updates as server-sent events: snapshot first, then queue, agent, "
                                         "call, supervision (and *-ended) events",
                              "operationId": "events", "x-permission": "read", "parameters": [],
                              "responses": {"200": {"description": "text/event-stream",
                                                    "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                                            **errors}}},
        RECORDING_FILE_PATH: {"get": {"summary": "One recording's audio", "operationId": "recording_file",
                                      "x-permission": "recordings", "parameters": _parameters(RECORDING_FILE_PATH, ()),
                                      "responses": {"200": {"description": "WAV audio",
                                                            "content": {"audio/wav": {"schema": {"type": "string"}}}},
                                                    **errors}}},
        SCREEN_POP_PATH: {"get": {"summary": "Screen-pop page for a call: the caller's record, open cases, path",
                                  "operationId": "screen_pop", "x-permission": "screenpop",
                                  "parameters": _parameters(SCREEN_POP_PATH, ("token",)),
                                  "responses": {"200": {"description": "HTML page",
                                                        "content": {"text/html": {"schema": {"type": "string"}}}},
                                                **errors}}},
    }


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    paths.update(_special_paths())
    return {"openapi": "3.1.0",
            "info": {"title": "fsapp control API", "version": __version__,
                     "description": "Live state, agent and call actions, supervision, reports. Every route but "
                                    "this document needs Authorization: Bearer <token> (api.tokens). Open311 "
                                    "GeoReport v2 is served under /open311/v2."},
            "components": {"schemas": SCHEMAS,
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}], "paths": paths}
