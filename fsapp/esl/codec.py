"""Header value encoding exactly as FreeSWITCH writes it (switch_url_encode).

FreeSWITCH URL-encodes event header values: space, ``:``, ``@``, ``{``, ``=``, ``&`` and the like become
``%XX`` while ``,``, ``/``, ``(``, ``)``, ``-``, ``.`` and ``_`` stay as they are. Decoding is the inverse
and must be applied to one value at a time, after the frame is split into lines.
"""

from __future__ import annotations

import codecs
from urllib.parse import unquote

# Characters FreeSWITCH escapes besides control characters and non-ASCII bytes (switch_utils.c).
_UNSAFE = set(b"\r\n \"#%&+:;<=>?@[\\]^`{|}'")
_ENCODE_TABLE = [
    chr(byte) if 0x20 < byte < 0x7F and byte not in _UNSAFE else f"%{byte:02X}"
    for byte in range(256)
]


def url_encode(value: str) -> str:
    """Encode a header value the way FreeSWITCH does."""
    if value.isascii() and value.isalnum():
        return value
    table = _ENCODE_TABLE
    return "".join([table[byte] for byte in value.encode("utf-8")])


def url_decode(value: str) -> str:
    """Decode one header value (never a whole frame: see the module docstring)."""
    if "%" not in value:
        return value
    # %XX -> \xXX, decoded by the C escape decoder: several times faster than urllib's unquote.
    escaped = value.replace("\\", "\\\\").replace("%", "\\x")
    try:
        raw = codecs.escape_decode(escaped.encode("utf-8"))[0]
    except ValueError:  # a % not followed by two hex digits: keep it literally, as unquote does
        return unquote(value, errors="replace")
    return raw.decode("utf-8", "replace")


def encode_header_block(headers: dict[str, str] | list[tuple[str, str]], encode_values: bool = True) -> str:
    """``Name: value`` lines joined with newlines (no trailing blank line)."""
    items = headers.items() if isinstance(headers, dict) else headers
    if encode_values:
        return "\n".join(f"{name}: {url_encode(value)}" for name, value in items)
    return "\n".join(f"{name}: {value}" for name, value in items)
