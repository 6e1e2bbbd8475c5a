"""FreeSWITCH configuration rendered from fsapp.yaml and the queues/agents file.

Entry point::

    from fsapp.render import render_config
    files = render_config(config, acd_config, "out/", pieces=("dialplan", "features"))

Pieces (``fsapp conf render --only``): ``event-socket`` (event_socket.conf.xml and its ACL), ``sip`` (the
operators' and the trunks' SIP profiles with gateways), ``directory`` (one softphone account per agent),
``dialplan`` (each published number sets ``fsapp_entry`` and parks), ``features`` (agents' feature codes),
``moh`` (hold music for ``local_stream://moh``), and only when asked for, ``kamailio`` (the nodes' SIP load
balancer: kamailio.cfg, dispatcher.list, a db_text subscriber table). Softphone passwords live in
``freeswitch.secrets_file``.
"""

from __future__ import annotations

from fsapp.render.errors import GatewayError, RenderError, SecretsError, UnknownPiece
from fsapp.render.pieces import PIECES
from fsapp.render.render import render_config
from fsapp.render.secrets import softphone_passwords

__all__ = ["GatewayError", "PIECES", "RenderError", "SecretsError", "UnknownPiece", "render_config",
           "softphone_passwords"]
