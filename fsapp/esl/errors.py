"""Exceptions raised by the Event Socket layer.

The tree::

    FsappError                       (fsapp.errors)
    └── ESLError                     anything that went wrong talking to a switch
        ├── ProtocolError            the switch sent bytes that are not Event Socket frames
        ├── TransportError           the link itself failed
        │   ├── ConnectFailed        could not open the TCP connection (refused, unreachable, timed out)
        │   ├── AuthenticationFailed the switch rejected the password (the socket is closed)
        │   ├── AccessDenied         the switch refused the connection (text/rude-rejection: ACL)
        │   └── ConnectionLost       the link dropped; every command waiting on it fails with this
        ├── ESLTimeout               a reply, job result or application completion did not come in time
        ├── CommandFailed            the switch answered ``-ERR ...``; ``.reply`` holds the text
        └── ChannelGone              the channel hung up before an application on it completed

Every error names the switch (``host:port``) it concerns, so logs from a controller connected to several
switches stay readable.
"""

from __future__ import annotations

from fsapp.errors import FsappError


class ESLError(FsappError):
    """Base class of Event Socket errors."""


class ProtocolError(ESLError):
    """Bytes from the switch could not be framed or parsed."""


class TransportError(ESLError):
    """The connection to the switch failed."""


class ConnectFailed(TransportError):
    """The TCP connection could not be opened."""


class AuthenticationFailed(TransportError):
    """The switch rejected the password."""


class AccessDenied(TransportError):
    """The switch refused the connection before authentication (its ACL)."""


class ConnectionLost(TransportError):
    """The connection dropped while something was waiting on it."""


class ESLTimeout(ESLError):
    """Something the switch should have sent did not arrive within the timeout."""


class CommandFailed(ESLError):
    """The switch answered a command with ``-ERR``."""

    def __init__(self, message: str, reply: str = "") -> None:
        self.reply = reply
        super().__init__(message)


class ChannelGone(ESLError):
    """The channel ended before the application sent to it completed."""
