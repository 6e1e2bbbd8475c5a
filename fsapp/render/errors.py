"""Exceptions raised while rendering FreeSWITCH configuration.

The tree::

    FsappError                         (fsapp.errors)
    └── RenderError                    the configuration cannot be rendered
        ├── GatewayError               a trunk gateway address is malformed (names the gateway, never its password)
        ├── SecretsError               the softphone secrets file cannot be read or written
        └── UnknownPiece               ``--only`` named a piece that does not exist
"""

from __future__ import annotations

from fsapp.errors import FsappError


class RenderError(FsappError):
    """Base class of rendering errors."""


class GatewayError(RenderError):
    """A ``freeswitch.gateways`` entry is not ``sip:USER:PASSWORD@HOST[:PORT][;param=value...]``."""


class SecretsError(RenderError):
    """The secrets file is unreadable, malformed or cannot be written."""


class UnknownPiece(RenderError):
    """A piece name given to ``--only`` is not one :data:`fsapp.render.pieces.PIECES` knows."""
