"""An API request as the handlers see it (parsed from the WSGI environ)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fsapp.api.auth import Principal
from fsapp.api.errors import BadRequest
from fsapp.httpbody import parse_json_object, read_body


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


def read_json_body(environ: dict[str, Any], limit: int, timeout: float) -> dict[str, Any]:
    """The request's JSON object body, read within the API's limits (see :mod:`fsapp.httpbody`)."""
    return parse_json_object(read_body(environ, limit, timeout))
