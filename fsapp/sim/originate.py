"""``originate``: calling an endpoint, with the recorded event order for success and each failure."""

from __future__ import annotations

import logging
import uuid as uuidlib
from dataclasses import dataclass, field

from fsapp.sim import lifecycle, templates
from fsapp.sim.apps import execute
from fsapp.sim.channel import AppCall, Channel, Hangup
from fsapp.sim.core import SwitchCore
from fsapp.sim.fsparse import parse_dial, separate
from fsapp.sim.parties import Endpoint, attach

log = logging.getLogger(__name__)

FAILURE_DELAY = 0.02
USAGE = ("-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] "
         "[<cid_num>] [<timeout_sec>]\n")


@dataclass
class OriginateRequest:
    """``originate {vars}dial &app(arg)`` read as FreeSWITCH reads it (:mod:`fsapp.sim.fsparse`).

    ``destinations`` lists every endpoint the dial string names (``,`` and ``|`` lists, ``:_:``); the simulated
    switch rings the first one only, and logs the others, so an injected second destination shows up there.
    """

    variables: list[tuple[str, str]]
    dial: str
    app: str
    app_arg: str
    destinations: list[str] = field(default_factory=list)

    @property
    def user(self) -> str:
        tail = self.dial.split("/")[-1] if not self.dial.startswith("user/") else self.dial[5:]
        return tail.split("@")[0]

    @property
    def target(self) -> str:
        return self.dial.split("/")[-1]


class OriginateRefused(ValueError):
    """What the switch answers instead of placing a leg (``-USAGE``, ``-ERR DESTINATION_OUT_OF_ORDER``)."""


def parse_originate(arg: str) -> OriginateRequest:
    """The API's words, then the dial string; OriginateRefused with the switch's reply when it would refuse."""
    words = separate(arg.strip(), " ", 10)
    if not 2 <= len(words) <= 7:
        raise OriginateRefused(USAGE)
    return dial_request(words[0], words[1])


def dial_request(dial_string: str, exten: str = "&park()") -> OriginateRequest:
    """A dial string as ``switch_ivr_originate`` reads it (the ``bridge`` application passes it straight on)."""
    try:
        dial = parse_dial(dial_string)
    except ValueError:
        raise OriginateRefused("-ERR DESTINATION_OUT_OF_ORDER\n") from None
    destinations = [leg.endpoint for leg in dial.legs]
    app, app_arg = "park", ""
    if exten.startswith("&") and len(exten) > 1:
        call = exten[1:].split(")", 1)[0]
        app, _, app_arg = call.partition("(")
    return OriginateRequest(list(dial.variables.items()), destinations[0] if destinations else "", app or "park",
                            app_arg, destinations)


def _profile(uuid: str, user: str, cid: str, name: str, created: int) -> dict[str, str]:
    profile = {"Direction": "outbound", "Logical-Direction": "outbound", "Caller-ID-Number": cid,
               "Orig-Caller-ID-Number": cid, "Network-Addr": templates.PEER_HOST, "ANI": cid,
               "Destination-Number": user, "Unique-ID": uuid, "Source": "src/switch_ivr_originate.c",
               "Context": "default", "Channel-Name": name, "Profile-Index": "1"}
    profile.update(lifecycle._zero_times(created))
    return profile


def originate(core: SwitchCore, arg: str, on_result) -> None:
    """Run an originate; ``on_result(body)`` is called at the moment the switch reports the job."""
    try:
        request = parse_originate(arg)
    except OriginateRefused as refused:
        on_result(str(refused))
        return
    core.originated.append(request)
    if not core.take_session(dict(request.variables).get("no_throttle_limits") == "true"):
        log.warning("simulated switch: Throttle Error! originate to %s refused (sessions-per-second %s)",
                    request.dial, core.sessions_per_second)
        on_result("-ERR DESTINATION_OUT_OF_ORDER\n")   # sofia's "Error Creating Session"
        return
    if len(request.destinations) > 1:
        log.warning("simulated switch: originate names %d endpoints %s; ringing only the first",
                    len(request.destinations), request.destinations)
    leg = start_leg(core, request)
    endpoint: Endpoint | None = core.endpoints.get(request.user)
    variables = dict(request.variables)
    if endpoint is None or endpoint.behaviour == "fail":
        cause = "USER_NOT_REGISTERED" if request.dial.startswith("user/") else "NORMAL_TEMPORARY_FAILURE"
        core.clock.sleep(FAILURE_DELAY)
        _fail(leg, cause, request)
        lifecycle.report(leg)
        lifecycle.destroy(leg)
        on_result(f"-ERR {cause}\n")
        return
    if endpoint.behaviour == "busy":
        core.clock.sleep(FAILURE_DELAY)
        _fail(leg, "USER_BUSY", request)
        lifecycle.report(leg)
        on_result("-ERR USER_BUSY\n")
        lifecycle.destroy(leg)
        return
    _ring(leg, request)
    timeout = float(variables.get("originate_timeout", "60"))
    answers = endpoint.behaviour != "no_answer" and endpoint.answer_after < timeout
    if not _wait(leg, endpoint.answer_after if answers else timeout):
        return
    if not answers and not leg.picked_up:
        _fail(leg, "NO_ANSWER", request)
        on_result("-ERR NO_ANSWER\n")
        lifecycle.report(leg)
        lifecycle.destroy(leg)
        return
    attach(leg, endpoint.script)
    _answer(leg)
    on_result(f"+OK {leg.uuid}\n")
    _flip_caller_id(leg, request)
    _run_app(leg, request)


def originate_leg(core: SwitchCore, dial: str, park_when_answered: bool = True) -> Channel | None:
    """A leg for the ``bridge`` application: the answered channel, or None when the call failed."""
    try:
        request = dial_request(dial)
    except OriginateRefused:
        return None
    core.originated.append(request)
    leg = start_leg(core, request)
    endpoint = core.endpoints.get(request.user)
    if endpoint is None or endpoint.behaviour in ("fail", "busy"):
        _fail(leg, "USER_BUSY" if endpoint else "NORMAL_TEMPORARY_FAILURE", request)
        lifecycle.report(leg)
        lifecycle.destroy(leg)
        return None
    _ring(leg, request)
    if endpoint.behaviour == "no_answer" or not _wait(leg, endpoint.answer_after):
        if leg.alive:
            _fail(leg, "NO_ANSWER", request)
            lifecycle.report(leg)
            lifecycle.destroy(leg)
        return None
    attach(leg, endpoint.script)
    _answer(leg)
    _flip_caller_id(leg, request)
    return leg


def start_leg(core: SwitchCore, request: OriginateRequest) -> Channel:
    variables = dict(request.variables)
    uuid = variables.get("origination_uuid") or str(uuidlib.uuid4())
    cid = variables.get("origination_caller_id_number", "0000000000")
    name = request.dial if not request.dial.startswith("user/") else f"sofia/internal/{request.target}"
    created = core.clock.micros()
    leg = Channel(core, uuid, name, "outbound", _profile(uuid, request.user, cid, name, created), False)
    leg.times["created"] = created
    if variables.get("origination_caller_id_name"):
        leg.profile["Caller-ID-Name"] = variables["origination_caller_id_name"]
    leg.set_vars(templates.outbound_leg(uuid, request.target, name, core.next_session_id(),
                                        core.next_media_port(), request.variables))
    leg.busy = True
    core.add(leg)
    leg.emit("CHANNEL_CREATE")
    leg.emit("CHANNEL_ORIGINATE")
    return leg


def _ring(leg: Channel, request: OriginateRequest) -> None:
    leg.set_vars(templates.outbound_reply(request.target, leg.profile["Caller-ID-Number"]))
    leg.set_state("CS_CONSUME_MEDIA")
    leg.mark_time("progress", "Channel-Progress-Time")
    leg.emit("CHANNEL_PROGRESS")
    leg.set_call_state("RINGING")


def _wait(leg: Channel, seconds: float) -> bool:
    """Ring for ``seconds`` or until the test picks the phone up; False if the leg was hung up meanwhile."""
    try:
        leg.wait(seconds, lambda: leg.picked_up)
        return True
    except Hangup:
        lifecycle.report(leg)
        lifecycle.destroy(leg)
        return False


def _fail(leg: Channel, cause: str, request: OriginateRequest) -> None:
    if "sip_reply_host" not in leg.variables:
        leg.set_vars(templates.outbound_reply(request.target, leg.profile["Caller-ID-Number"])[:4])
    leg.set_vars(templates.FAILURES.get(cause, []))
    lifecycle.hangup(leg, cause)


def _answer(leg: Channel) -> None:
    leg.codec = ("PCMU", "8000", "64000")
    leg.set_vars(templates.media_up("PCMU", "0", int(leg.variables.get("local_media_port", "0")), 6200,
                                    "ANSWER")[:-1])
    leg.answer_state = "answered"
    leg.profile["Callee-ID-Name"] = "Outbound Call"
    leg.profile["Callee-ID-Number"] = leg.profile["Destination-Number"]
    leg.mark_time("answered", "Channel-Answered-Time")
    leg.emit("CHANNEL_ANSWER")
    leg.set_call_state("ACTIVE")
    leg.busy = False
    leg.api_on("api_on_answer")
    for callback in leg.on_answer:
        callback()


def _flip_caller_id(leg: Channel, request: OriginateRequest) -> None:
    original = leg.profile["Caller-ID-Number"]
    leg.set_vars([("endpoint_disposition", "ANSWER"), ("pre_transfer_caller_id_number", original),
                  ("channel_cid_flipped", "yes")])
    leg.profile["Caller-ID-Name"] = "Outbound Call"
    leg.profile["Caller-ID-Number"] = request.user
    leg.profile["Callee-ID-Number"] = original
    leg.profile.pop("Callee-ID-Name", None)


def _run_app(leg: Channel, request: OriginateRequest) -> None:
    leg.set_state("CS_EXECUTE")
    try:
        if request.app == "park":
            lifecycle.park_loop(leg, dialplan_park=True)
            return
        execute(leg, AppCall(request.app, request.app_arg, from_sendmsg=False))
        if leg.bridging or leg.bridge is not None:
            return   # moved on into a bridge (intercept): its end is the bridge's
        lifecycle.hangup(leg, "NORMAL_CLEARING")
        lifecycle.finish_hangup(leg)
    except Hangup:
        lifecycle.finish_hangup(leg)
