"""uuid_bridge and what happens when one leg of a bridge hangs up."""

from __future__ import annotations

import logging

import gevent

from fsapp.sim import lifecycle
from fsapp.sim.channel import Bridge, Channel

log = logging.getLogger(__name__)

BRIDGE_CALLING_A = ("switch_ivr_bridge.c", "uuid_bridge_on_soft_execute", "1236")
BRIDGE_CALLING_B = ("switch_ivr_bridge.c", "uuid_bridge_on_soft_execute", "1243")
FINISH_TRIES = 20


def _other_profile(channel: Channel, zero_times: bool) -> dict[str, str]:
    profile = dict(channel.profile)
    if zero_times:
        for key in profile:
            if key.endswith("-Time") or key in ("Channel-Last-Hold", "Channel-Hold-Accum"):
                profile[key] = "0"
    return profile


def uuid_bridge_at_next_frame(a: Channel, b: Channel) -> None:
    """``uuid_bridge`` as the legs' own threads carry it out: at their next frame, what they play ends
    (``Playback-Status: done``: the bridge wins over a ``uuid_break`` just before it), then the bridge."""
    a.core.next_frame()
    for leg in (a, b):
        _wait_lead_frames(leg)
    for leg in (a, b):
        leg.request_stop(leg.current_app, "done")
    for leg in (a, b):
        for _ in range(FINISH_TRIES):   # let the leg's greenlet report the end of what it played
            if leg.current_app is None or not leg.alive:
                break
            gevent.sleep(0)
    for leg in (a, b):
        leg.bridging = False
    if a.alive and b.alive:
        uuid_bridge(a, b)
    elif a.alive:
        _bridge_cancelled(a)


def _wait_lead_frames(leg: Channel) -> None:
    """A leg whose thread reads a broadcast's lead frames notices the bridge only after them, once it has
    taken up the broadcast's application (which the bridge then ends)."""
    clock = leg.core.clock
    if leg.lead_until <= clock.now():
        return
    clock.sleep(leg.lead_until - clock.now())
    for _ in range(FINISH_TRIES):   # the broadcast's greenlet queues the application, the park loop starts it
        if leg.current_app is not None or not leg.alive:
            break
        gevent.sleep(0)


def _display_caller_ids(a: Channel, b: Channel) -> None:
    """``switch_ivr_uuid_bridge``'s display rule: an inbound leg B shows its partner as the caller and itself as
    the callee (``switch_channel_invert_cid``, marked B-leg) until it is leg A of a later bridge; the original
    caller stays in ``Orig-Caller-ID-*`` (as FreeSWITCH 1.10.12 reported an intercepted caller)."""
    if a.direction == "inbound" and a.display_inverted:
        _invert(a, a.profile.get("Callee-ID-Name", ""), a.profile.get("Callee-ID-Number", ""))
        a.display_inverted = False
    if b.direction == "inbound" and not b.display_inverted:
        _invert(b, a.profile.get("Caller-ID-Name", ""), a.profile.get("Caller-ID-Number", ""))
        b.display_inverted = True


def _invert(leg: Channel, name: str, number: str) -> None:
    profile = leg.profile
    profile["Callee-ID-Name"], profile["Callee-ID-Number"] = profile.get("Caller-ID-Name", ""), profile.get(
        "Caller-ID-Number", "")
    profile["Caller-ID-Name"], profile["Caller-ID-Number"] = name, number


def _bridge_cancelled(a: Channel) -> None:
    """The other leg ended before leg A's thread could bridge (``uuid_bridge_on_soft_execute``): A leaves its
    park, then parks again with ``uuid_bridge_park_on_cancel``, else is hung up ``ORIGINATOR_CANCEL``."""
    if not switch_true(a.variables.get("uuid_bridge_park_on_cancel")):
        lifecycle.leave_park(a, "CS_SOFT_EXECUTE", 3)
        lifecycle.hangup(a, "ORIGINATOR_CANCEL")
        return
    a.emit("CHANNEL_UNPARK")   # its park loop goes on: the switch parks it again (CS_PARK, CHANNEL_PARK)
    lifecycle.complete_park(a)
    a.set_state("CS_SOFT_EXECUTE")
    a.set_state("CS_PARK")
    a.emit("CHANNEL_PARK")


def intercept_leg(channel: Channel, target_uuid: str) -> None:
    """``intercept <uuid>`` (``switch_ivr_intercept_session``): ``channel`` takes the target over and bridges to
    it, as ``uuid_bridge channel target`` (the target's old partner, if any, is hung up ``PICKED_OFF``). Nothing
    happens when the target is gone, or bridged while ``intercept_unbridged_only`` is set on ``channel``."""
    target = channel.core.live(target_uuid)
    if target is None or target is channel:
        return
    if switch_true(channel.variables.get("intercept_unbridged_only")) and (target.bridge is not None
                                                                            or target.bridging):
        return
    if target.bridge is not None:
        partner = leave_bridge(target, partner_follows=False)
        lifecycle.hangup(partner, "PICKED_OFF")
    bridge_soon(channel, target)


def bridge_soon(a: Channel, b: Channel) -> None:
    """``uuid_bridge a b`` as the switch carries it out after its reply: both legs are marked on their way into
    a bridge now, bridged at their next frame (:func:`uuid_bridge_at_next_frame`)."""
    for leg in (a, b):
        leg.bridging = True
    a.core.spawn(uuid_bridge_at_next_frame, a, b)


def switch_true(value: str | None) -> bool:
    """``switch_true``: yes, on, true, t, enabled, active, allow or a non-zero number."""
    if value is None:
        return False
    word = value.strip().lower()
    return word in ("yes", "on", "true", "t", "enabled", "active", "allow") or (word.isdigit() and int(word) != 0)


def uuid_bridge(a: Channel, b: Channel) -> None:
    """The recorded sequence: UNPARK and park COMPLETE on both legs, EXECUTE uuid_bridge on both,
    one CHANNEL_BRIDGE on leg A."""
    for leg in (a, b):
        if leg.bridge is not None:   # bridged elsewhere: its old partner is left behind
            leave_bridge(leg)
    _display_caller_ids(a, b)
    bridge = Bridge(a, b)
    a.other_leg = ("originatee", _other_profile(b, False))
    b.other_leg = ("originator", _other_profile(a, True))
    for leg in (b, a):
        if leg.parked:
            lifecycle.leave_park(leg, "CS_EXECUTE", 8)
        else:   # moved on from another bridge: no park to leave
            leg.set_state("CS_EXECUTE", 8)
    micros = a.core.clock.micros()
    for leg, other, calling in ((a, b, BRIDGE_CALLING_A), (b, a, BRIDGE_CALLING_B)):
        leg.bridge = bridge
        leg.set_state("CS_SOFT_EXECUTE")
        leg.profile["Profile-Index"] = "2"
        leg.profile["Profile-Created-Time"] = str(micros)
        leg.emit("CHANNEL_EXECUTE", calling=calling,
                 after=[("Application", "uuid_bridge"), ("Application-Data", other.uuid)])
    a.profile["Channel-Bridged-Time"] = str(micros)
    a.times["bridged"] = micros
    b.times["bridged"] = micros
    a.set_vars([("bridge_channel", b.name), ("bridge_to", b.uuid), ("bridge_uuid", b.uuid), ("signal_bond", b.uuid)])
    b.set_vars([("bridge_channel", a.name), ("bridge_to", a.uuid), ("bridge_uuid", a.uuid), ("signal_bond", a.uuid)])
    a.emit("CHANNEL_BRIDGE", before=[("Bridge-A-Unique-ID", a.uuid), ("Bridge-B-Unique-ID", b.uuid)])


def leave_bridge(channel: Channel, partner_follows: bool = True) -> Channel:
    """Take ``channel`` out of its bridge (it is transferred or bridged elsewhere); returns the partner.

    The partner parks or hangs up (:func:`_survive`) unless ``partner_follows`` is False (it moves too).
    """
    bridge = channel.bridge
    assert bridge is not None
    partner = bridge.other(channel)
    _unbridge(bridge)
    if partner_follows:
        _survive(partner)
    return partner


def _unbridge(bridge: Bridge) -> None:
    a = bridge.a
    a.emit("CHANNEL_UNBRIDGE", before=[("Bridge-A-Unique-ID", a.uuid), ("Bridge-B-Unique-ID", bridge.b.uuid)])
    bridge.a.bridge = None
    bridge.b.bridge = None
    for leg in (bridge.a, bridge.b):
        leg.variables.pop("bridge_to", None)   # set while bridged only (bridge_uuid and signal_bond stay)


def _survive(channel: Channel) -> None:
    """The leg left behind: re-parked with park_after_bridge, else hung up (end of its dialplan); a leg that a
    ``uuid_bridge`` is moving on (its thread signalled, CF_TRANSFER) just leaves, as on FreeSWITCH 1.10.12."""
    if channel.bridging:
        return
    if channel.variables.get("park_after_bridge") == "true":
        _repark(channel)
        return
    lifecycle.hangup(channel, "NORMAL_CLEARING")


def _repark(channel: Channel) -> None:
    """CHANNEL_PARK with no EXECUTE park, then the park loop in the channel's own greenlet."""
    channel.set_state("CS_EXECUTE")
    channel.emit("CHANNEL_PARK")
    channel.core.spawn(_repark_quietly, channel)


def on_leg_hangup(channel: Channel) -> None:
    """Called right after CHANNEL_HANGUP of a bridged leg."""
    bridge = channel.bridge
    assert bridge is not None
    survivor = bridge.other(channel)
    if channel is bridge.a:
        if bridge.via_app:
            _unbridge(bridge)
            channel.poke()
            lifecycle.hangup(survivor, "NORMAL_CLEARING")
            return
        if survivor.bridging or survivor.variables.get("park_after_bridge") == "true":
            survivor.bridge = None
            if not survivor.bridging:   # on its way to another bridge: not parked in between
                _repark(survivor)
            _unbridge(bridge)
            lifecycle.report(channel)
            lifecycle.destroy(channel)
            return
        _unbridge(bridge)
        lifecycle.report(channel)
        lifecycle.destroy(channel)
        lifecycle.hangup(survivor, "NORMAL_CLEARING")
        return
    lifecycle.report(channel)
    _unbridge(bridge)
    if bridge.via_app:
        survivor.poke()
    else:
        _survive(survivor)
    lifecycle.destroy(channel)


def _repark_quietly(channel: Channel) -> None:
    """Leg B re-parked after leg A hung up (its CHANNEL_PARK was already sent)."""
    if not channel.alive:
        lifecycle.finish_hangup(channel)
        return
    channel.parked = True
    channel.leave_park = False
    from fsapp.sim.channel import Hangup
    try:
        while True:
            channel.wait(None, lambda: bool(channel.apps) or channel.leave_park)
            if channel.leave_park:
                return
            lifecycle.run_inline(channel, channel.apps.popleft())
    except Hangup:
        lifecycle.finish_hangup(channel)


def bridge_app(channel: Channel, dial: str) -> str:
    """The ``bridge`` application: call ``dial`` and bridge to it until one side hangs up."""
    from fsapp.sim.originate import originate_leg
    leg = originate_leg(channel.core, dial, park_when_answered=False)
    if leg is None:
        channel.set_var("originate_disposition", "FAIL")
        return "_none_"
    leg.set_var("park_after_bridge", "false")
    channel.set_var("park_after_bridge", channel.variables.get("park_after_bridge", "false"))
    a, b = channel, leg
    a.other_leg = ("originatee", _other_profile(b, False))
    b.other_leg = ("originator", _other_profile(a, True))
    bridge = Bridge(a, b, via_app=True)
    a.bridge = b.bridge = bridge
    a.set_var("bridge_to", b.uuid)
    b.set_var("bridge_to", a.uuid)
    a.emit("CHANNEL_BRIDGE", before=[("Bridge-A-Unique-ID", a.uuid), ("Bridge-B-Unique-ID", b.uuid)])
    try:
        channel.wait(None, lambda: not leg.alive)
    except Exception:
        channel.bridge = None
        raise
    return "_none_"
