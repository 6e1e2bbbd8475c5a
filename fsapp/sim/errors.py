"""Errors of the simulated switch.

::

    FsappError
     └── SimError                 anything the simulated switch refuses
          ├── SimNotRunning       start() was not called, or stop() was
          └── UnknownChannel      no live channel has this UUID
"""

from __future__ import annotations

from fsapp.errors import FsappError


class SimError(FsappError):
    """The simulated switch cannot do what was asked."""


class SimNotRunning(SimError):
    """The switch is not listening."""


class UnknownChannel(SimError):
    """No live channel has this UUID."""
