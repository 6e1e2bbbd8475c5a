"""Exceptions raised by the relay service (staff's direct numbers).

The tree::

    FsappError                 (fsapp.errors)
    └── RelayError             anything the relay service refuses
        └── UnknownDirectNumber  no member of staff has the number that was dialled
"""

from __future__ import annotations

from fsapp.errors import FsappError


class RelayError(FsappError):
    """Base class of relay errors."""


class UnknownDirectNumber(RelayError, LookupError):
    """No agent's ``direct_number`` is the number dialled."""
