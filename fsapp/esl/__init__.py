"""fsapp's own Event Socket layer.

- :mod:`fsapp.esl.parser`: sans-IO framing (bytes -> frames -> events), split lines first, then decode.
- :mod:`fsapp.esl.commands`: commands as bytes.
- :mod:`fsapp.esl.wire`: one authenticated socket (reader greenlet, reply FIFO).
- :mod:`fsapp.esl.connection`: a connection to one switch over one socket, or one for events and a few for
  commands (bounded event queue, Job-UUID map, execute completion by Application-UUID).
- :mod:`fsapp.esl.client`: a connection kept alive with reconnect and backoff.
- :mod:`fsapp.esl.errors`: the exception tree.
"""

from fsapp.esl.client import ESLClient
from fsapp.esl.connection import ESLConnection, Execution
from fsapp.esl.errors import (AccessDenied, AuthenticationFailed, ChannelGone, CommandFailed, ConnectFailed,
                              ConnectionLost, ESLError, ESLTimeout, ProtocolError, TransportError)
from fsapp.esl.events import Event
from fsapp.esl.parser import Frame, FrameParser

__all__ = [
    "AccessDenied", "AuthenticationFailed", "ChannelGone", "CommandFailed", "ConnectFailed", "ConnectionLost",
    "ESLClient", "ESLConnection", "ESLError", "ESLTimeout", "Event", "Execution", "Frame", "FrameParser",
    "ProtocolError", "TransportError",
]
