"""Turning an Offer into originate variables, and originate failures into router reasons (pure)."""

from __future__ import annotations

from fsapp.acd.decisions import AgentTarget, Offer

# OriginateFailed.cause -> the reason given to Router.offer_failed
FAILURE_REASONS = {"NO_ANSWER": "no-answer", "NO_USER_RESPONSE": "no-answer", "USER_BUSY": "busy",
                   "CALL_REJECTED": "rejected"}
UNREACHABLE = "unreachable"
ORIGINATE_MARGIN = 30.0   # seconds an originate job may take beyond the ring time
DATA_HEADERS = 12        # caller data items sent as X-Fsapp-Data-<key> headers
DATA_VALUE_LIMIT = 120


def failure_reason(cause: str) -> str:
    """``no-answer``, ``busy``, ``rejected`` or ``unreachable`` for a switch hangup cause."""
    return FAILURE_REASONS.get(cause.strip().upper(), UNREACHABLE)


def _clean(value: str) -> str:
    """A value safe inside ``{a=b,c=d}``: no commas, braces or spaces."""
    return "".join("_" if ch in ",{} \t'\"" else ch for ch in value)


def _header_name(key: str) -> str:
    """A SIP header name part: letters, digits and dashes."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch == "-") else "-" for ch in key.strip()) or "x"


def screen_pop(url: str | None, call_uuid: str) -> str | None:
    """The screen-pop URL for one call (``{uuid}`` in the template is replaced)."""
    if not url:
        return None
    return url.replace("{uuid}", call_uuid) if "{uuid}" in url else f"{url.rstrip('/')}/{call_uuid}"


def offer_variables(offer: Offer, target: AgentTarget, leg_uuid: str,
                    screen_pop_url: str | None = None) -> dict[str, str]:
    """Channel variables of the leg that rings ``target`` with ``offer``'s caller."""
    number = offer.caller.number or offer.callback_number or "anonymous"
    variables = {
        "origination_uuid": leg_uuid,
        "origination_caller_id_number": _clean(number),
        "fsapp_role": "agent",
        "fsapp_agent": _clean(target.agent_id),
        "fsapp_queue": _clean(offer.queue),
        "fsapp_queue_call": offer.call_uuid,
        "sip_h_X-Fsapp-Caller": _clean(number),
        "originate_timeout": str(max(1, round(offer.timeout))),
    }
    if offer.caller.name:
        variables["origination_caller_id_name"] = _clean(offer.caller.name)
    if offer.caller.language:
        variables["sip_h_X-Fsapp-Language"] = _clean(offer.caller.language)
    if offer.caller.case_ids:
        # FreeSWITCH splits variable values on commas inside {}; \, keeps the list whole.
        variables["sip_h_X-Fsapp-Cases"] = "\\,".join(_clean(case) for case in offer.caller.case_ids)
    for key, value in list(offer.caller.data.items())[:DATA_HEADERS]:
        # what the IVR collected, or an outbound contact's list columns (origin, campaign, ...)
        variables[f"sip_h_X-Fsapp-Data-{_header_name(key)}"] = _clean(str(value))[:DATA_VALUE_LIMIT]
    url = screen_pop(screen_pop_url, offer.call_uuid)
    if url:
        variables["sip_h_Call-Info"] = f"<{_clean(url)}>;purpose=info"
    return variables
