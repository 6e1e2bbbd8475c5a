"""``api`` commands of the simulated switch: each returns the response body exactly as FreeSWITCH writes it.

A command may also return a follow-up to run after its reply has been sent (events the command causes,
such as CHANNEL_HANGUP after ``uuid_kill``, come after the api/response, as on the real switch).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Callable

from fsapp.sim import lifecycle
from fsapp.sim.apps import parse_broadcast
from fsapp.sim.channel import AppCall, Channel
from fsapp.sim.core import FRAME, SwitchCore
from fsapp.sim.events import channel_data
from fsapp.sim.fsparse import separate
from fsapp.sim.safety import sched_del

log = logging.getLogger(__name__)

# uuid_broadcast's "lead-frames: 5" (switch_ivr_broadcast): before it runs the application the channel's thread
# reads up to 2 x 5 - 1 frames waiting for five that are not comfort noise; a caller who sends no audio costs all
# nine, and nothing else queued for the channel (a bridge either) is noticed meanwhile (FreeSWITCH 1.10.12: the
# playback ran 200 ms after uuid_broadcast on a parked silent leg, 20 ms after the same sendmsg execute)
LEAD_FRAMES = 9

Followup = Callable[[], None] | None
VERSION = "1.10.12-release git a88d069 2024-08-02 21:02:27Z 64bit"
NO_CHANNEL = "-ERR No such channel!\n"


def run_api(core: SwitchCore, command: str) -> tuple[str, Followup]:
    """Run ``command`` (what follows ``api``); returns the body and an optional follow-up."""
    name, _, arg = command.strip().partition(" ")
    handler = COMMANDS.get(name)
    if handler is None:
        return f"-ERR {name} Command not found!\n", None
    return handler(core, arg.strip())


def execute(core: SwitchCore, command: str) -> str:
    """Run an API command from inside the switch (a channel's ``api_on_answer``), its follow-up at once."""
    body, followup = run_api(core, command)
    log.debug("api from inside the switch: %s: %s", command, body.strip())
    if followup is not None:
        followup()
    return body


def _status(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    up = core.clock.now() - core.identity.started
    micros = int(up * 1_000_000)
    days, rest = divmod(micros, 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, rest = divmod(rest, 1_000_000)
    millis, micros_left = divmod(rest, 1000)
    count = len(core.channels)
    limit = 30 if core.sessions_per_second is None else core.sessions_per_second   # the stock switch's 30
    body = (f"UP 0 years, {days} days, {hours} hours, {minutes} minutes, {seconds} seconds, {millis} milliseconds, "
            f"{micros_left} microseconds\nFreeSWITCH (Version {VERSION}) is ready\n"
            f"{core.sessions_since_start} session(s) since startup\n"
            f"{count} session(s) - peak {core.peak_sessions}, last 5min {core.peak_sessions} \n"
            f"0 session(s) per Sec out of max {limit}, peak 5, last 5min 5 \n1000 session(s) max\n"
            f"min idle cpu 0.00/99.00\nCurrent Stack Size/Max 240K/8192K\n")
    return body, None


def _fsctl(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    """``fsctl sps N``: the sessions-per-second throttle (the only ``fsctl`` the simulated switch knows)."""
    words = arg.split()
    if len(words) == 2 and words[0] == "sps" and words[1].isdigit() and int(words[1]) > 0:
        core.sessions_per_second = int(words[1])
        return f"+OK sessions per second: {words[1]}\n", None
    return "-ERR the simulated switch knows only fsctl sps N\n", None


def _version(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    return f"FreeSWITCH Version 1.10.12-release~64bit ({VERSION})\n", None


def _channel_row(channel: Channel) -> dict[str, str]:
    created = channel.times["created"] // 1_000_000
    profile = channel.profile
    app = channel.current_app
    application = app.name if app else ("park" if channel.parked else "")
    if channel.bridge is not None and app is None:
        application = "uuid_bridge"
    codec = channel.codec or ("", "", "")
    return {
        "uuid": channel.uuid, "direction": channel.direction,
        "created": datetime.fromtimestamp(created).strftime("%Y-%m-%d %H:%M:%S"), "created_epoch": str(created),
        "name": channel.name, "state": channel.state, "cid_name": profile.get("Caller-ID-Name", ""),
        "cid_num": profile.get("Caller-ID-Number", ""), "ip_addr": profile.get("Network-Addr", ""),
        "dest": profile.get("Destination-Number", ""), "application": application,
        "application_data": app.arg if app else "", "dialplan": profile.get("Dialplan", ""),
        "context": profile.get("Context", ""), "read_codec": codec[0], "read_rate": codec[1],
        "read_bit_rate": codec[2], "write_codec": codec[0], "write_rate": codec[1], "write_bit_rate": codec[2],
        "secure": "", "hostname": channel.core.identity.hostname, "presence_id": "", "presence_data": "",
        "accountcode": "", "callstate": channel.call_state, "callee_name": profile.get("Callee-ID-Name", ""),
        "callee_num": profile.get("Callee-ID-Number", ""), "callee_direction": "",
        "call_uuid": channel.uuid if channel.bridge is not None else "", "sent_callee_name": "",
        "sent_callee_num": "", "initial_cid_name": profile.get("Caller-ID-Name", ""),
        "initial_cid_num": profile.get("Caller-ID-Number", ""), "initial_ip_addr": profile.get("Network-Addr", ""),
        "initial_dest": profile.get("Destination-Number", ""), "initial_dialplan": profile.get("Dialplan", ""),
        "initial_context": profile.get("Context", ""),
    }


CALL_KEYS = ("uuid", "direction", "created", "created_epoch", "name", "state", "cid_name", "cid_num", "ip_addr",
             "dest", "presence_id", "presence_data", "accountcode", "callstate", "callee_name", "callee_num",
             "callee_direction", "call_uuid", "hostname", "sent_callee_name", "sent_callee_num")
B_KEYS = ("uuid", "direction", "created", "created_epoch", "name", "state", "cid_name", "cid_num", "ip_addr",
          "dest", "presence_id", "presence_data", "accountcode", "callstate", "callee_name", "callee_num",
          "callee_direction", "sent_callee_name", "sent_callee_num")


def _rows(rows: list[dict[str, str]]) -> str:
    if not rows:
        return '{"row_count": 0}\n'
    return json.dumps({"row_count": len(rows), "rows": rows}, separators=(",", ":"))


def _live_channels(core: SwitchCore) -> list[Channel]:
    return [channel for channel in core.channels.values() if not channel.destroyed]


def _show(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    words = arg.split()
    what = words[0] if words else ""
    as_json = words[-2:] == ["as", "json"]
    if what == "channels":
        rows = [_channel_row(channel) for channel in _live_channels(core)]
    elif what == "calls":
        rows = _call_rows(core)
    else:
        return "-USAGE: show <channels|calls> [as json]\n", None
    if as_json:
        return _rows(rows), None
    return _table(rows), None


def _call_rows(core: SwitchCore) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for channel in _live_channels(core):
        if channel.uuid in seen:
            continue
        row = _channel_row(channel)
        call = {key: row[key] for key in CALL_KEYS}
        other = channel.bridge.other(channel) if channel.bridge is not None else None
        if other is not None and channel is channel.bridge.a:
            seen.add(other.uuid)
            other_row = _channel_row(other)
            call.update({f"b_{key}": other_row[key] for key in B_KEYS})
            call["call_created_epoch"] = row["created_epoch"]
        elif other is not None:
            continue
        else:
            call.update({f"b_{key}": "" for key in B_KEYS})
            call["call_created_epoch"] = ""
        rows.append(call)
    return rows


def _table(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "uuid,direction,created,created_epoch,name,state\n\n0 total.\n"
    keys = list(rows[0])
    lines = [",".join(keys)] + [",".join(row[key] for key in keys) for row in rows]
    return "\n".join(lines) + f"\n\n{len(rows)} total.\n"


def _uuid_exists(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    return ("true" if core.live(arg.split(" ")[0]) else "false"), None


def _uuid_getvar(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    words = separate(arg, " ", 4) + ["", ""]
    channel = core.channels.get(words[0])
    if channel is None:
        return "-ERR No such channel!\n", None
    value = channel.get_var(words[1])
    return ("_undef_" if value is None else value), None


def _uuid_setvar(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    parts = separate(arg, " ", 3)
    channel = core.channels.get(parts[0]) if parts else None
    if channel is None:
        return NO_CHANNEL, None
    if len(parts) < 2:
        return "-USAGE: <uuid> <var> [value]\n", None
    channel.set_var(parts[1], parts[2] if len(parts) > 2 else None)
    return "+OK\n", None


def _uuid_setvar_multi(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    """``uuid_setvar_multi <uuid> a=1;b=2``: each ``name=value`` set (no ``=``: unset), as mod_commands does."""
    uuid, _, pairs = arg.partition(" ")
    channel = core.channels.get(uuid)
    if channel is None:
        return "-ERR No such channel!\n", None
    names = [pair.partition("=") for pair in separate(pairs, ";", 64)]
    for name, equals, value in names:
        if name:
            channel.set_var(name, value if equals else None)
    if not any(name for name, _, _ in names):
        return "-USAGE: <uuid> <var>=<value>;<var>=<value>...\n", None
    return "+OK\n", None


def _uuid_dump(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    words = arg.split()
    channel = core.channels.get(words[0]) if words else None
    if channel is None:
        return NO_CHANNEL, None
    headers = core.factory.core("CHANNEL_DATA") + channel_data(channel)
    if words[1:2] == ["json"]:
        return json.dumps(dict(headers), separators=(",", ":")), None
    from fsapp.esl.codec import url_encode
    return "".join(f"{name}: {url_encode(value)}\n" for name, value in headers), None


def _uuid_kill(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    uuid, _, cause = arg.partition(" ")
    channel = core.live(uuid)
    if channel is None:
        return NO_CHANNEL, None
    return "+OK\n", lambda: lifecycle.hangup(channel, cause.strip() or "NORMAL_CLEARING")


def _uuid_break(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    uuid, _, mode = arg.partition(" ")
    channel = core.live(uuid)
    if channel is None:
        return NO_CHANNEL, None

    def interrupt() -> None:
        if mode.strip() == "all":
            channel.apps.clear()   # queued messages go at once; the running application stops at the next frame
        app = channel.current_app
        if app is not None:
            core.spawn(_break_at_next_frame, channel, app)
    return "+OK\n", interrupt


def _break_at_next_frame(channel: Channel, app: AppCall) -> None:
    channel.core.next_frame()
    channel.request_stop(app, "break")


def _uuid_broadcast(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    words = separate(arg, " ", 4)
    channel = core.live(words[0])
    if channel is None or len(words) < 2:
        return NO_CHANNEL if channel is None else "-USAGE: <uuid> <path> [aleg|bleg|both]\n", None
    path = words[1]
    legs = words[2] if len(words) > 2 else "aleg"
    targets = [channel]
    if legs in ("bleg", "both") and channel.bridge is not None:
        targets = [channel.bridge.other(channel)] + ([channel] if legs == "both" else [])

    def queue() -> None:
        lead = LEAD_FRAMES * FRAME
        for target in targets:
            target.lead_until = max(target.lead_until, core.clock.now() + lead)
        core.clock.sleep(lead)
        for target in targets:
            target.apps.extend(parse_broadcast(path))
            target.poke()
    return "+OK Message sent\n", lambda: core.spawn(queue)


def _uuid_bridge(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    words = arg.split()
    a = core.live(words[0]) if words else None
    b = core.live(words[1]) if len(words) > 1 else None
    if a is None or b is None:
        return "-ERR Invalid uuid\n", None
    from fsapp.sim.bridging import bridge_soon
    for leg in (a, b):
        leg.bridging = True   # at once: a break that follows the reply already reports done
    return f"+OK {b.uuid}\n", lambda: bridge_soon(a, b)


def _uuid_transfer(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    words = separate(arg, " ", 5)
    channel = core.live(words[0]) if words else None
    if channel is None:
        return NO_CHANNEL, None
    rest = words[1:]
    which = rest.pop(0) if rest and rest[0] in ("-bleg", "-both") else ""
    if not rest or (which == "-bleg" and channel.bridge is None and not channel.bridging):
        return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n", None
    from fsapp.sim.bridging import leave_bridge
    from fsapp.sim.transfer import transfer
    dialplan = rest[1] if len(rest) > 1 else "XML"

    def move() -> None:
        core.next_frame()   # the legs' own threads act on it, after what was asked of them before
        other = channel.bridge.other(channel) if channel.bridge is not None else None
        legs = [channel] if not which else ([other] if other else []) + ([channel] if which == "-both" else [])
        legs = [leg for leg in legs if leg.alive]
        if len(legs) == 2 and legs[0].bridge is not None and legs[0].bridge is legs[1].bridge:
            leave_bridge(legs[0], partner_follows=False)   # -both: the two legs go together
        for leg in legs:
            core.spawn(transfer, leg, rest[0], dialplan)
    return "+OK\n", lambda: core.spawn(move)


def _uuid_record(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    words = separate(arg, " ", 5)
    channel = core.live(words[0]) if words else None
    if channel is None:
        return NO_CHANNEL, None
    if len(words) < 3 or words[1] not in ("start", "stop", "mask", "unmask"):
        return "-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>]\n", None
    from fsapp.sim.recording import record_start, record_stop
    if words[1] == "start":
        return "+OK Success\n", lambda: record_start(channel, words[2], words[3:4])
    if words[1] == "stop":
        return "+OK Success\n", lambda: record_stop(channel, words[2])
    return "+OK Success\n", None


def _originate_sync(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    from gevent.event import AsyncResult

    from fsapp.sim.originate import originate
    result: AsyncResult = AsyncResult()
    core.spawn(originate, core, arg, result.set)
    return result.get(), None


def _hupall(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    cause = arg.split(" ")[0] or "MANAGER_REQUEST"
    channels = _live_channels(core)
    return "+OK hangup all channels with cause " + cause + "\n", lambda: [
        lifecycle.hangup(channel, cause) for channel in channels]


def _conference(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    from fsapp.sim.conference import conference_api
    return conference_api(core, arg)


COMMANDS: dict[str, Callable[[SwitchCore, str], tuple[str, Followup]]] = {
    "status": _status, "version": _version, "show": _show, "uuid_exists": _uuid_exists,
    "uuid_getvar": _uuid_getvar, "uuid_setvar": _uuid_setvar,
    "uuid_setvar_multi": _uuid_setvar_multi, "uuid_dump": _uuid_dump, "uuid_kill": _uuid_kill,
    "uuid_break": _uuid_break, "uuid_broadcast": _uuid_broadcast, "uuid_bridge": _uuid_bridge,
    "uuid_transfer": _uuid_transfer, "uuid_record": _uuid_record, "originate": _originate_sync,
    "hupall": _hupall, "conference": _conference, "sched_del": sched_del, "fsctl": _fsctl,
}

from fsapp.sim.api_doctor import DOCTOR_COMMANDS  # noqa: E402 - registered after the core commands

COMMANDS.update(DOCTOR_COMMANDS)
