"""``uuid_transfer``: the channel leaves what it was doing and runs the dialplan for a new extension.

With the ``inline`` dialplan the destination is the applications themselves, ``app:arg[,app:arg...]``
(``park``, ``bridge:user/1001``, ``conference:name@default``); the channel hangs up when they end, as at
the end of any dialplan, unless it parks. A bridged channel leaves its bridge; the party left behind parks
when it has ``park_after_bridge=true`` and hangs up otherwise (unless it is transferred too, ``-both``).
"""

from __future__ import annotations

from fsapp.sim import lifecycle
from fsapp.sim.bridging import leave_bridge
from fsapp.sim.channel import AppCall, Channel, Hangup
from fsapp.sim.fsparse import separate
from fsapp.sim.safety import LAST_RESORT

MAX_INLINE_APPS = 256


def transfer(channel: Channel, extension: str, dialplan: str = "XML", partner_follows: bool = True) -> None:
    """Run the dialplan of ``extension`` (its fsapp_entry, a conference number, or inline applications)."""
    if not channel.alive:
        return
    if channel.bridge is not None:
        leave_bridge(channel, partner_follows)
    elif channel.parked:
        lifecycle.leave_park(channel, "CS_EXECUTE", 4)
    channel.profile["Destination-Number"] = extension
    channel.mark_time("transferred", "Channel-Transfer-Time")
    if dialplan == "inline":
        run_inline_dialplan(channel, parse_inline(extension))
        return
    net = channel.core.safety_net
    if net is not None and extension == LAST_RESORT and channel.variables.get(LAST_RESORT) == "armed":
        run_inline_dialplan(channel, net.last_resort())
        return
    conference = channel.core.conferences_by_extension.get(extension)
    if conference is not None:
        lifecycle.run_conference_dialplan(channel, conference)
        return
    lifecycle.run_dialplan(channel, channel.core.dialplan.get(extension))


def parse_inline(text: str) -> list[AppCall]:
    """``app:arg,app2`` -> the applications, in order (split as mod_dptools' inline dial plan does)."""
    calls = []
    for part in separate(text, ",", MAX_INLINE_APPS):
        name, _, arg = part.partition(":")
        if name:
            calls.append(AppCall(name, arg, from_sendmsg=False))
    return calls


def run_inline_dialplan(channel: Channel, calls: list[AppCall]) -> None:
    """Run the applications one after another; ``park`` parks, anything else ends in a hangup."""
    try:
        channel.set_state("CS_EXECUTE")
        for call in calls:
            if call.name == "park":
                lifecycle.park_loop(channel, dialplan_park=True)
                return
            lifecycle.run_inline(channel, call)
            if not channel.alive:
                break
        lifecycle.hangup(channel, "NORMAL_CLEARING")
        lifecycle.finish_hangup(channel)
    except Hangup:
        lifecycle.finish_hangup(channel)
