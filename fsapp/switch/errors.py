"""Exceptions raised by call control.

The tree::

    FsappError                          (fsapp.errors)
    └── ESLError                        (fsapp.esl.errors: transport, timeouts, -ERR replies)
        ├── ChannelGone                 the channel hung up under a verb (re-exported here)
        └── CallControlError            a call control verb could not do what was asked
            ├── OriginateFailed         a new leg was not answered; ``.cause`` is the switch's cause
            │                           (USER_BUSY, NO_ANSWER, NORMAL_TEMPORARY_FAILURE, ...)
            ├── BridgeFailed            two legs could not be bridged
            └── UnsafeValue             a value that cannot be put in a switch command safely (nothing sent;
                │                       see fsapp.switch.dialstring)
                └── NotDialable         not a number fsapp may dial (anonymous, an extension, junk, premium)
"""

from __future__ import annotations

from fsapp.esl.errors import ChannelGone, ESLError

__all__ = ["BridgeFailed", "CallControlError", "ChannelGone", "NotDialable", "OriginateFailed", "UnsafeValue"]


class CallControlError(ESLError):
    """A call control verb failed."""


class OriginateFailed(CallControlError):
    """The switch could not set up the new leg."""

    def __init__(self, message: str, cause: str) -> None:
        self.cause = cause
        super().__init__(message)


class BridgeFailed(CallControlError):
    """``uuid_bridge`` refused the two legs."""


class UnsafeValue(CallControlError):
    """A value refused before any command was sent: it would change the command's meaning (another
    destination, variable, argument or application) and cannot be escaped. The message says why."""


class NotDialable(UnsafeValue):
    """Not a number fsapp may dial: no valid E.164 number (anonymous, an extension, junk) or a premium one."""
