"""An API request as the handlers see it (parsed from the WSGI environ)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fsapp.api.auth import Principal
from fsapp.api.errors import BadRequest

MAX_BODY = 64 * 1024


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)     # from the route's {placeholders}
    principal: Principal | None = None

    @property
    def actor(self) -> str:
        return self.principal.actor if self.principal else "anonymous"

    def text(self, key: str, required: bool = True) -> str | None:
        """A string from the JSON body."""
        value = self.body.get(key)
        if value is None or value == "":
            if required:
                raise BadRequest(f"{key} is required")
            return None
        if not isinstance(value, str):
            raise BadRequest(f"{key} must be a string")
        return value


def parse_query(text: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=False).items()}


def read_json_body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequest("bad Content-Length") from None
    if length > MAX_BODY:
        raise BadRequest(f"body larger than {MAX_BODY} bytes")
    raw = environ["wsgi.input"].read(length) if length else b""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data
