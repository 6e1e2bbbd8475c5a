"""Phone numbers in one shape: E.164, as the switch, the callbacks and the citizen register must agree on them.

A plain module with no fsapp imports, so the switch layer (callbacks dial only what it accepts) and the store
share it.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "NO"


@lru_cache(maxsize=8192)   # the same callers' numbers are normalised at every step of their calls
def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """``raw`` as E.164 (``+4722334455``), or None when it is not a possible number.

    National numbers are read in ``region``; ``00`` international prefixes and SIP-style
    ``sip:+47...@host`` forms are accepted.
    """
    text = raw.strip()
    if text.startswith("sip:"):
        text = text[4:].split("@", 1)[0]
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
