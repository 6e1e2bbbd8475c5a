"""Form posts (``application/x-www-form-urlencoded``) read within the API's limits (:mod:`fsapp.httpbody`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fsapp.httpbody import BadBody, read_body

MAX_FIELDS = 200
MAX_VALUE = 8000   # characters one field may hold (a note, a description)


def read_form(environ: dict[str, Any], limit: int, timeout: float) -> dict[str, str]:
    """The posted fields (the last value of a repeated name); a multipart or JSON body is refused (400)."""
    kind = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    raw = read_body(environ, limit, timeout)
    if not raw:
        return {}
    if kind != "application/x-www-form-urlencoded":
        raise BadBody("send the form as application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadBody(f"bad form: {exc}") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if len(value) > MAX_VALUE:
            raise BadBody(f"{key[:40]} is longer than {MAX_VALUE} characters")
        form[key] = value.replace("\x00", "")
    return form
