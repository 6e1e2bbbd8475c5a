"""Turning an Offer into originate variables, and originate failures into router reasons (pure)."""

from __future__ import annotations

from fsapp.acd.decisions import AgentTarget, Offer
from fsapp.switch.call import PARK_AFTER_BRIDGE
from fsapp.switch.dialstring import caller_name, caller_number, clean_text, word

# OriginateFailed.cause -> the reason given to Router.offer_failed
FAILURE_REASONS = {"NO_ANSWER": "no-answer", "NO_USER_RESPONSE": "no-answer", "USER_BUSY": "busy",
                   "CALL_REJECTED": "rejected"}
UNREACHABLE = "unreachable"
ORIGINATE_MARGIN = 30.0   # seconds an originate job may take beyond the ring time
DATA_HEADERS = 12        # caller data items sent as X-Fsapp-Data-<key> headers
DATA_VALUE_LIMIT = 120
CASE_LIMIT = 40
URL_LIMIT = 500


WAITING_VARIABLE = "fsapp_waiting_in"   # set on a caller's channel when they join a queue (its name)
LEFT_QUEUE = "answered"                  # ... and this once an agent has them

# An offer to one agent for a caller on the line: the answered leg bridges itself to the caller in the switch
# (``originate ... &intercept(<caller>)``), as mod_callcenter bridges, so answer -> bridge never waits for
# fsapp: only when the caller is bridged to nobody (another agent, a consultation). When the caller hangs up,
# the switch hangs the agent's leg up with it; fsapp sets ``park_after_bridge`` on the leg before it takes the
# caller away (a consultation). The caller's variables are set as the caller joins a queue.
SELF_BRIDGE_VARIABLES = {PARK_AFTER_BRIDGE: "false", "hangup_after_bridge": "true", "intercept_unbridged_only": "true"}


def caller_bridge_variables(keep_caller: bool) -> dict[str, str]:
    """The variables of a caller joining a queue. A caller the flow keeps after the conversation re-parks when
    the agent's leg ends; any other is hung up by the switch with it (FreeSWITCH hangs up the partner of a
    leg that bridged itself with ``intercept``), one command and one event fewer than re-parking and
    ``uuid_kill``. Whoever moves such a caller away from its agent sets ``park_after_bridge`` first."""
    return {PARK_AFTER_BRIDGE: "true" if keep_caller else "false", "uuid_bridge_park_on_cancel": "true"}


def ends_with_partner(bridged_itself: bool, parks: bool, last_peer: str | None, partner: str) -> bool:
    """Whether the switch hangs a leg of a queue call (the caller's or the agent's) up as ``partner``, the other
    leg, ends: the agent's leg bridged itself to the caller, this leg's last bridge was ``partner``, and fsapp has
    not set ``park_after_bridge`` on this leg since (``parks``)."""
    return bridged_itself and not parks and last_peer == partner


def self_bridge_variables(call_uuid: str) -> dict[str, str]:
    """The variables of a leg that bridges itself to the caller ``call_uuid``; as it answers, the switch marks
    the caller out of the queue (``api_on_answer``, run in the leg's own thread: a restart tells the caller
    from those still waiting, and fsapp sends no command for it)."""
    mark = f"uuid_setvar {word(call_uuid)} {WAITING_VARIABLE} {LEFT_QUEUE}"
    return {**SELF_BRIDGE_VARIABLES, "api_on_answer": mark}


def bridges_itself(variables: dict[str, str]) -> bool:
    """Whether a leg with these channel variables was placed to bridge itself to its caller."""
    return variables.get("intercept_unbridged_only") == "true" and variables.get("fsapp_role") == "agent"


def failure_reason(cause: str) -> str:
    """``no-answer``, ``busy``, ``rejected`` or ``unreachable`` for a switch hangup cause."""
    return FAILURE_REASONS.get(cause.strip().upper(), UNREACHABLE)


def _header_name(key: str) -> str:
    """A SIP header name part: letters, digits and dashes (at most 40)."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch == "-") else "-" for ch in key.strip())[:40] or "x"


def screen_pop(url: str | None, call_uuid: str) -> str | None:
    """The screen-pop URL for one call (``{uuid}`` in the template is replaced)."""
    if not url:
        return None
    return url.replace("{uuid}", call_uuid) if "{uuid}" in url else f"{url.rstrip('/')}/{call_uuid}"


def offer_variables(offer: Offer, target: AgentTarget, leg_uuid: str,
                    screen_pop_url: str | None = None) -> dict[str, str]:
    """Channel variables of the leg that rings ``target`` with ``offer``'s caller."""
    number = caller_number(offer.caller.number or offer.callback_number)
    variables = {
        "origination_uuid": leg_uuid,
        "origination_caller_id_number": number,
        "fsapp_role": "agent",
        "fsapp_agent": target.agent_id,
        "fsapp_queue": offer.queue,
        "fsapp_queue_call": offer.call_uuid,
        "sip_h_X-Fsapp-Caller": number,
        "originate_timeout": str(max(1, round(offer.timeout))),
    }
    # Names and cells come from outside (a register, a list): cleaned to what a header can carry, so an odd
    # one never makes the offer fail; Switch.originate escapes every value.
    name = caller_name(offer.caller.name or "")
    if name:
        variables["origination_caller_id_name"] = name
    if offer.caller.language:
        variables["sip_h_X-Fsapp-Language"] = clean_text(offer.caller.language, CASE_LIMIT)
    if offer.caller.case_ids:
        variables["sip_h_X-Fsapp-Cases"] = ",".join(clean_text(case, CASE_LIMIT) for case in offer.caller.case_ids)
    for key, value in list(offer.caller.data.items())[:DATA_HEADERS]:
        # what the IVR collected, or an outbound contact's list columns (origin, campaign, ...)
        variables[f"sip_h_X-Fsapp-Data-{_header_name(key)}"] = clean_text(str(value), DATA_VALUE_LIMIT)
    url = screen_pop(screen_pop_url, offer.call_uuid)
    if url:
        variables["sip_h_Call-Info"] = f"<{clean_text(url, URL_LIMIT)}>;purpose=info"
    return variables
