"""A new caller at the door of an overloaded switch: let in, kept ringing until there is room, or refused.

The pace and the line are the overload guard's (:mod:`fsapp.switch.overload`); this is the caller's side of
it. A caller who has to wait is told the phone is ringing (``ring_ready``: SIP 180, the caller's network plays
ringback), so nobody waits in silence, and stays unanswered: a ringing leg costs the switch no media.
"""

from __future__ import annotations

import logging

from fsapp.esl.errors import ChannelGone, ESLError, ESLTimeout
from fsapp.switch.call import Call
from fsapp.switch.overload import Admission, OverloadGuard, Ticket

log = logging.getLogger(__name__)

LOOK_EVERY = 0.25   # seconds between a waiting caller's looks at the line (the pace lets callers in meanwhile)


def at_the_door(call: Call, guard: OverloadGuard, ticket: Ticket) -> Admission:
    """The new caller on ``call``, who arrived with ``ticket`` (:meth:`OverloadGuard.arrive`): let in, kept
    ringing in line until there is room, or refused (the caller is not hung up here); :attr:`Admission.LEFT`
    when it hangs up while waiting."""
    if ticket.state is not Admission.WAITING:
        return ticket.state
    log.info("call %s: waiting at the door, the switch is overloaded (%d waiting, up to %s s)", call.uuid,
             guard.waiting, guard.wait)
    try:
        call.execute("ring_ready", timeout=max(guard.wait, 1.0))
    except ChannelGone:
        guard.leave(ticket)
        return Admission.LEFT
    except ESLError as exc:   # late, on an overloaded switch: the caller waits all the same
        log.warning("call %s: ringing not indicated while waiting at the door: %s", call.uuid, exc)
    while (state := guard.poll(ticket)) is Admission.WAITING:
        try:
            call.wait_for("gone", LOOK_EVERY)
        except ESLTimeout:
            continue
        guard.leave(ticket)
        return Admission.LEFT
    return state
