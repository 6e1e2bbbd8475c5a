"""Is the dialplan's safety net there, and does it leave the controller's callers alone?

The rendered dialplan (dialplans/macros.xml) arms, before ``park``, a ``sched_transfer`` to the last resort
(cancelled by the controller when it takes the call) and ``park_timeout``. FreeSWITCH reads ``park_timeout``
once, as the first park starts, and hangs the call up when that park lasts longer, whatever the controller
runs in it: the menus, the whole queue wait and what follows it (a voicemail, a goodbye). So it must exceed
the longest a caller may legitimately stay in that park: :data:`MENU_ALLOWANCE` plus the longest queue
``max_wait`` (an overflow keeps the caller's arrival time, so the longest single ``max_wait`` bounds the wait).
"""

from __future__ import annotations

import math
import re

from fsapp.acd.config import AcdConfig
from fsapp.doctor.dialplan import Actions
from fsapp.doctor.result import CheckResult, ok, warn

MENU_ALLOWANCE = 600   # seconds in the menus before a queue and in a voicemail or goodbye after it
_PARK_TIMEOUT = re.compile(r"park_timeout=(\d+)")


def longest_wait(acd: AcdConfig) -> float:
    """The longest a caller may wait in a queue (inf: a queue with no ``max_wait``)."""
    waits = [queue.on_max_wait.max_wait if queue.on_max_wait else math.inf for queue in acd.queues.values()]
    return max(waits, default=0.0)


def safety_net_check(number: str, actions: Actions, acd: AcdConfig | None) -> CheckResult:
    """The safety net before the first ``park`` of ``number``'s dialplan, against the queues' waits."""
    name = f"safety net {number}"
    before = actions[:next((i for i, (app, _) in enumerate(actions) if app == "park"), len(actions))]
    last_resort = any(app == "sched_transfer" and "fsapp_last_resort" in data for app, data in before)
    timeouts = [int(m.group(1)) for app, data in before if app in ("set", "export")
                for m in [_PARK_TIMEOUT.match(data)] if m]
    hint = "`fsapp conf render --only dialplan` (freeswitch.last_resort_after, park_timeout), reloadxml"
    if not last_resort and not timeouts:
        return warn(name, "no last resort and no park_timeout: a call no controller takes waits parked for ever",
                    hint)
    if timeouts and acd is not None and timeouts[-1] < MENU_ALLOWANCE + longest_wait(acd):
        wait = longest_wait(acd)
        shown = "a queue with no max_wait" if math.isinf(wait) else f"the longest max_wait, {wait:.0f} s"
        return warn(name, f"park_timeout {timeouts[-1]} s would hang up callers still waiting in a queue "
                          f"({shown}, plus up to {MENU_ALLOWANCE} s in the menus)",
                    f"raise freeswitch.park_timeout above {MENU_ALLOWANCE} s + the longest max_wait, then {hint}")
    parts = (["last resort armed"] if last_resort else ["no last resort"]) + (
        [f"park_timeout {timeouts[-1]} s"] if timeouts else ["no park_timeout"])
    return ok(name, ", ".join(parts))
