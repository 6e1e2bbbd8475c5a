"""Exceptions raised by call control.

The tree::

    FsappError                          (fsapp.errors)
    └── ESLError                        (fsapp.esl.errors: transport, timeouts, -ERR replies)
        ├── ChannelGone                 the channel hung up under a verb (re-exported here)
        └── CallControlError            a call control verb could not do what was asked
            ├── OriginateFailed         a new leg was not answered; ``.cause`` is the switch's cause
            │                           (USER_BUSY, NO_ANSWER, NORMAL_TEMPORARY_FAILURE, ...)
            └── BridgeFailed            two legs could not be bridged
"""

from __future__ import annotations

from fsapp.esl.errors import ChannelGone, ESLError

__all__ = ["BridgeFailed", "CallControlError", "ChannelGone", "OriginateFailed"]


class CallControlError(ESLError):
    """A call control verb failed."""


class OriginateFailed(CallControlError):
    """The switch could not set up the new leg."""

    def __init__(self, message: str, cause: str) -> None:
        self.cause = cause
        super().__init__(message)


class BridgeFailed(CallControlError):
    """``uuid_bridge`` refused the two legs."""
