"""Errors of the simulated switch.

::

    FsappError
     └── SimError                 anything the simulated switch refuses
          ├── SimNotRunning       start() was not called, or stop() was
          ├── UnknownChannel      no live channel has this UUID
          └── CallThrottled       a call refused for the switch's sessions-per-second (SIP 503)
"""

from __future__ import annotations

from fsapp.errors import FsappError


class SimError(FsappError):
    """The simulated switch cannot do what was asked."""


class SimNotRunning(SimError):
    """The switch is not listening."""


class UnknownChannel(SimError):
    """No live channel has this UUID."""


class CallThrottled(SimError):
    """The switch's ``sessions-per-second`` were used up: the call was refused before a channel was made (the
    real switch logs ``Throttle Error!`` and answers the INVITE with 503)."""
