"""Supervision: listen, whisper and barge on agents' calls, and the live picture supervisors watch.

::

    supervision = Supervision(switch, acd, clock)
    session = supervision.start("ingrid", "2001", mode="listen", actor="supervisor:1a2b3c4d")
    supervision.set_mode(session.id, "whisper")       # sendevent eavesdrop-command: 2; session.mode tracked
    supervision.stop(session.id)

    feed = LiveFeed(build=lambda: build_snapshot(...)).start()
    queue = feed.subscribe()                           # ("snapshot", picture), then (kind, row) changes
"""

from fsapp.supervise.eavesdrop import EavesdropSession, Supervision, dial_string
from fsapp.supervise.errors import (NoCallToSupervise, SuperviseError, SupervisorUnreachable, UnknownMode,
                                    UnknownSession)
from fsapp.supervise.feed import LiveFeed
from fsapp.supervise.live import build_snapshot, changes
from fsapp.supervise.modes import DIGITS, ModeTracker, digit_for

__all__ = ["DIGITS", "EavesdropSession", "LiveFeed", "ModeTracker", "NoCallToSupervise", "SuperviseError",
           "Supervision", "SupervisorUnreachable", "UnknownMode", "UnknownSession", "build_snapshot", "changes",
           "dial_string", "digit_for"]
