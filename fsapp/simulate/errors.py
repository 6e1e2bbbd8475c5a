"""Errors of ``fsapp simulate``.

::

    FsappError
     └── SimulationError            a simulation could not run or finish
          └── ArrivalsFileError     the arrivals CSV is unreadable or malformed (names file and line)
"""

from __future__ import annotations

from fsapp.errors import FsappError


class SimulationError(FsappError):
    """A simulation could not run or finish."""


class ArrivalsFileError(SimulationError):
    """The arrivals CSV is unreadable or malformed; the message names the file and line."""
