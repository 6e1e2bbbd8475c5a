"""A channel's life: creation, the dialplan, the park loop that runs sendmsg applications, hangup."""

from __future__ import annotations

import logging
import uuid as uuidlib
from datetime import datetime, timezone

from fsapp.sim import templates
from fsapp.sim.channel import AppCall, Channel, Hangup
from fsapp.sim.core import SwitchCore
from fsapp.sim.recording import stop_all
from fsapp.sim.safety import park_timer

log = logging.getLogger(__name__)


def inbound_profile(uuid: str, caller: str, dest: str, name: str, created: int) -> dict[str, str]:
    return {
        "Direction": "inbound", "Logical-Direction": "inbound", "Username": caller, "Dialplan": "XML",
        "Caller-ID-Name": caller, "Caller-ID-Number": caller, "Orig-Caller-ID-Name": caller,
        "Orig-Caller-ID-Number": caller, "Network-Addr": templates.PEER_HOST, "ANI": caller,
        "Destination-Number": dest, "Unique-ID": uuid, "Source": "mod_sofia", "Context": "public",
        "Channel-Name": name, "Profile-Index": "1", **_zero_times(created),
    }


def _zero_times(created: int) -> dict[str, str]:
    times = {"Profile-Created-Time": str(created), "Channel-Created-Time": str(created)}
    for key in ("Channel-Answered-Time", "Channel-Progress-Time", "Channel-Progress-Media-Time",
                "Channel-Hangup-Time", "Channel-Transfer-Time", "Channel-Resurrect-Time",
                "Channel-Bridged-Time", "Channel-Last-Hold", "Channel-Hold-Accum"):
        times[key] = "0"
    times.update({"Screen-Bit": "true", "Privacy-Hide-Name": "false", "Privacy-Hide-Number": "false"})
    return times


def create_inbound(core: SwitchCore, caller: str, dest: str, uuid: str | None = None) -> Channel:
    """A call arriving from outside: CHANNEL_CREATE, then the dialplan runs in the channel's greenlet."""
    uuid = uuid or str(uuidlib.uuid4())
    port = 5070
    name = f"sofia/{templates.PROFILE}/{caller}@{templates.PEER_HOST}:{port}"
    created = core.clock.micros()
    channel = Channel(core, uuid, name, "inbound", inbound_profile(uuid, caller, dest, name, created), True)
    channel.times["created"] = created
    channel.set_vars(templates.inbound_call(uuid, caller, dest, core.next_session_id(), created, port))
    core.add(channel)
    channel.announce_state("CS_NEW", 0)
    channel.announce_state("CS_INIT", 1)
    channel.emit("CHANNEL_CREATE")
    return channel


def run_dialplan(channel: Channel, entry: str | None) -> None:
    """The switch's dialplan for fsapp numbers: set outside_call, export the date, set fsapp_entry, park."""
    try:
        channel.set_state("CS_ROUTING", announce=False)
        channel.set_call_state("RINGING")
        channel.announce_state("CS_ROUTING", 2)
        channel.set_state("CS_EXECUTE")
        date = rfc2822(channel.core.clock.now())
        run_inline(channel, AppCall("set", "outside_call=true", from_sendmsg=False))
        run_inline(channel, AppCall("export", f"RFC2822_DATE={date}", from_sendmsg=False))
        if entry is not None:
            run_inline(channel, AppCall("set", f"fsapp_entry={entry}", from_sendmsg=False))
            for call in channel.core.safety_net.dialplan() if channel.core.safety_net else ():
                run_inline(channel, call)
        park_loop(channel, dialplan_park=True)
    except Hangup:
        finish_hangup(channel)


def run_conference_dialplan(channel: Channel, conference: str) -> None:
    """An extension that answers and joins a conference (``answer``, ``conference name@default``)."""
    try:
        channel.set_state("CS_EXECUTE")
        run_inline(channel, AppCall("answer", from_sendmsg=False))
        run_inline(channel, AppCall("conference", f"{conference}@default", from_sendmsg=False))
        hangup(channel, "NORMAL_CLEARING")
        finish_hangup(channel)
    except Hangup:
        finish_hangup(channel)


def rfc2822(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")


def run_inline(channel: Channel, call: AppCall) -> None:
    from fsapp.sim.apps import execute
    execute(channel, call)


def park_loop(channel: Channel, dialplan_park: bool) -> None:
    """Park the channel and run queued applications one after another until it leaves the park."""
    if dialplan_park:
        call = AppCall("park", from_sendmsg=False)
        channel.park_app_uuid = call.app_uuid
        channel.set_var("current_application", "park")
        channel.variables.pop("current_application_data", None)
        channel.emit("CHANNEL_EXECUTE", after=[("Application", "park"), ("Application-UUID", call.app_uuid)])
    timer = park_timer(channel)
    channel.parked = True
    channel.leave_park = False
    channel.emit("CHANNEL_PARK")
    try:
        while True:
            remaining = None if timer is None else timer.deadline - channel.core.clock.now()
            if remaining is not None and remaining <= 0:   # checked between applications, as switch_ivr_park does
                hangup(channel, timer.cause)
            channel.wait(None if remaining is None else max(0.0, remaining),
                         lambda: bool(channel.apps) or channel.leave_park)
            if channel.leave_park:
                return
            if channel.apps:
                run_inline(channel, channel.apps.popleft())
    except Hangup:
        finish_hangup(channel)


def leave_park(channel: Channel, state: str = "CS_EXECUTE", number: int = 8) -> None:
    """CHANNEL_UNPARK and (for a dialplan park) the park's EXECUTE_COMPLETE, e.g. when bridged."""
    channel.leave_park = True
    channel.parked = False
    channel.set_state(state, number)
    channel.emit("CHANNEL_UNPARK")
    complete_park(channel)
    channel.poke()


def complete_park(channel: Channel) -> None:
    if channel.park_app_uuid is None:
        return
    app_uuid, channel.park_app_uuid = channel.park_app_uuid, None
    response = channel.variables.get("current_application_response", "_none_")
    channel.emit("CHANNEL_EXECUTE_COMPLETE", after=[("Application", "park"), ("Application-Response", response),
                                                    ("Application-UUID", app_uuid)])


def hangup(channel: Channel, cause: str = "NORMAL_CLEARING") -> bool:
    """Start hanging up: CHANNEL_HANGUP now; the rest follows from whatever the channel was doing."""
    if not channel.alive:
        return False
    channel.alive = False
    channel.hangup_cause = cause
    channel.answer_state = "hangup"
    channel.state_number = 10
    channel.mark_time("hangup", "Channel-Hangup-Time")
    channel.variables.pop("current_loop", None)
    channel.variables.pop("total_loops", None)
    channel.emit("CHANNEL_HANGUP")
    log.debug("channel %s hangs up: %s", channel.uuid, cause)
    for listener in channel.core.channels.values():
        if listener.eavesdrop_target == channel.uuid:
            listener.poke()   # its eavesdrop ends
    if channel.bridge is not None:
        from fsapp.sim.bridging import on_leg_hangup
        on_leg_hangup(channel)
    elif channel.parked or channel.current_app is not None or channel.busy:
        channel.poke()
    else:
        channel.core.spawn(finish_hangup, channel)
    return True


def finish_hangup(channel: Channel) -> None:
    """After the running application has stopped: UNPARK, the park's COMPLETE, HANGUP_COMPLETE, DESTROY."""
    if channel.destroyed:
        return
    if channel.parked:
        channel.parked = False
        channel.emit("CHANNEL_UNPARK")
        complete_park(channel)
    report(channel)
    destroy(channel)


def report(channel: Channel) -> None:
    channel.set_state("CS_HANGUP", 10)
    stop_all(channel)   # the switch closes the channel's recordings as it hangs up
    channel.set_call_state("HANGUP")
    channel.set_state("CS_REPORTING", 11)
    caller_id = channel.profile.get("Caller-ID-Number", "")
    if channel.profile.get("Caller-ID-Name"):
        caller_id = f'"{channel.profile["Caller-ID-Name"]}" <{caller_id}>'
    channel.set_vars(templates.hangup_complete(
        channel.hangup_cause, channel.times, channel.times.get("hangup", channel.core.clock.micros()),
        channel.variables.get("current_application"), channel.variables.get("current_application_data"),
        caller_id, channel.digits_dialed))
    channel.emit("CHANNEL_HANGUP_COMPLETE", before=[("Hangup-Cause", channel.hangup_cause)])


def destroy(channel: Channel) -> None:
    if channel.destroyed:
        return
    channel.destroyed = True
    channel.state_number = 12
    channel.emit("CHANNEL_DESTROY")
    channel.set_state("CS_DESTROY", 12)
    channel.core.remove(channel)
    channel.gone.set()
