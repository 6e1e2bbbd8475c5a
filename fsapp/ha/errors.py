"""Exceptions of the high-availability helpers.

The tree::

    FsappError                         (fsapp.errors)
    └── HaError                        leadership cannot be established
        └── LockConnectionError        the lock's database connection cannot be opened or was lost
"""

from __future__ import annotations

from fsapp.errors import FsappError


class HaError(FsappError):
    """Base class of high-availability errors."""


class LockConnectionError(HaError):
    """The leader lock's PostgreSQL connection failed (the message never includes the password)."""
