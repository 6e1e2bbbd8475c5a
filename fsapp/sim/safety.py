"""The dialplan's safety net for a call no controller takes, as FreeSWITCH 1.10 runs it.

- ``park_timeout=<seconds>[:<cause>]`` is read when a park starts, and cleared (with ``park_after_bridge``);
  when it expires the channel is hung up with the cause (``switch_ivr_park``). The timer covers everything a
  controller runs inside that park (menus, the queue's hold music), checked between applications; later parks
  (after a bridge) have none unless the variable is set again.
- ``sched_transfer +<seconds> <extension> [<dialplan> [<context>]]`` schedules a transfer in task group
  ``<uuid>``; the ``sched_del <uuid|task id>`` API deletes it (``+OK Deleted: N``).
- :meth:`fsapp.sim.SimulatedSwitch.arm_safety_net` makes the simulated dialplan for fsapp numbers do what
  ``fsapp conf render`` writes: arm both, then park; the last-resort extension apologizes, then dials the
  operator number or hangs up.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

from gevent.event import Event as Flag

from fsapp.sim.channel import AppCall, Channel
from fsapp.sim.fsparse import separate

log = logging.getLogger(__name__)

LAST_RESORT = "fsapp_last_resort"
_TASK_IDS = itertools.count(1)


@dataclass(frozen=True)
class SafetyNet:
    """What the rendered dialplan arms: the last resort after ``after`` seconds unless a controller cancels it,
    and the first park's ``park_timeout``."""

    after: int
    park_timeout: int
    apology: str
    number: str = ""

    def dialplan(self, context: str = "public") -> list[AppCall]:
        """The applications before ``park`` (as in dialplans/macros.xml)."""
        calls = [AppCall("set", f"{LAST_RESORT}=armed", from_sendmsg=False)]
        if self.park_timeout:
            calls.append(AppCall("set", f"park_timeout={self.park_timeout}:RECOVERY_ON_TIMER_EXPIRE",
                                 from_sendmsg=False))
        if self.after:
            calls.append(AppCall("sched_transfer", f"+{self.after} {LAST_RESORT} XML {context}", from_sendmsg=False))
        return calls

    def last_resort(self) -> list[AppCall]:
        """The last-resort extension: an apology, then the operator number or a hang-up."""
        calls = [AppCall("set", f"{LAST_RESORT}=used", from_sendmsg=False), AppCall("answer", from_sendmsg=False),
                 AppCall("playback", self.apology, from_sendmsg=False)]
        if self.number:
            calls.append(AppCall("bridge", self.number, from_sendmsg=False))
        return calls + [AppCall("hangup", "NORMAL_TEMPORARY_FAILURE", from_sendmsg=False)]


@dataclass(frozen=True)
class ParkTimer:
    deadline: float
    cause: str


def park_timer(channel: Channel) -> ParkTimer | None:
    """Read (and clear) ``park_timeout`` as a park starts; it clears ``park_after_bridge`` too."""
    value = channel.variables.pop("park_timeout", None)
    if value is None:
        return None
    channel.variables.pop("park_after_bridge", None)
    seconds, _, cause = value.partition(":")
    try:
        timeout = int(seconds)
    except ValueError:
        timeout = 0
    if timeout < 0:
        return None
    return ParkTimer(channel.core.clock.now() + timeout, cause or "NORMAL_CLEARING")


def sched_transfer(channel: Channel, call: AppCall) -> str:
    """``sched_transfer +<seconds> <extension> [<dialplan> [<context>]]`` (task group: the channel's UUID)."""
    words = separate(call.arg, " ", 4)
    if len(words) < 2:
        log.warning("channel %s: sched_transfer: Invalid Args", channel.uuid)
        return "_none_"
    core = channel.core
    when = words[0]
    seconds = float(when[1:]) if when.startswith("+") else float(when) - core.clock.now()
    task_id = next(_TASK_IDS)
    cancelled = Flag()
    core.scheduled[task_id] = (channel.uuid, cancelled)

    def fire() -> None:
        if core.clock.wait(cancelled, max(0.0, seconds)):
            return
        core.scheduled.pop(task_id, None)
        if channel.alive:
            from fsapp.sim.transfer import transfer
            log.info("channel %s: scheduled transfer to %s", channel.uuid, words[1])
            transfer(channel, words[1], words[2] if len(words) > 2 else "XML")

    core.spawn(fire)
    channel.set_var("last_sched_id", str(task_id))
    return "_none_"


def sched_del(core: object, arg: str) -> tuple[str, None]:
    """``sched_del <task id>|<group>``: delete scheduled tasks; ``+OK Deleted: N``."""
    wanted = arg.strip()
    scheduled = core.scheduled   # type: ignore[attr-defined]
    ids = ([int(wanted)] if wanted.isdigit() else
           [task_id for task_id, (group, _) in scheduled.items() if group == wanted])
    deleted = 0
    for task_id in ids:
        found = scheduled.pop(task_id, None)
        if found is not None:
            found[1].set()
            deleted += 1
    return f"+OK Deleted: {deleted}\n", None
