"""Which files make up each piece of the switch's (and its load balancer's) configuration (``--only PIECE``)."""

from __future__ import annotations

from dataclasses import dataclass

from fsapp.config import FreeswitchConfig
from fsapp.render.errors import UnknownPiece


# fsapp's hold-music stream, included from the switch's own local_stream.conf.xml (never replacing it).
MOH_SNIPPET = "autoload_configs/local_stream.d/fsapp_moh.xml"
MOH_INCLUDE = '<X-PRE-PROCESS cmd="include" data="local_stream.d/*.xml"/>'


@dataclass(frozen=True)
class Output:
    """One rendered file: the template it comes from and where it goes under the output directory."""

    template: str
    path: str


def outputs(piece: str, fs: FreeswitchConfig) -> list[Output]:
    """The files of one piece; paths follow FreeSWITCH's stock layout under its conf directory."""
    acl = Output("acl.conf.xml", "autoload_configs/acl.conf.xml")
    table = {
        "event-socket": [Output("event_socket.conf.xml", "autoload_configs/event_socket.conf.xml"), acl],
        "sip": [Output("sip_operators.xml", "sip_profiles/fsapp_operators.xml"),
                Output("sip_trunks.xml", "sip_profiles/fsapp_trunks.xml"), acl],
        "directory": [Output("directory.xml", "directory/fsapp.xml")],
        "dialplan": [Output("fsapp_park.xml", f"dialplan/{fs.context}/fsapp_numbers.xml")],
        "features": [Output("fsapp_features.xml", f"dialplan/{fs.operators_context}.xml")],
        "moh": [Output("local_stream_fsapp.xml", MOH_SNIPPET)],
        "kamailio": [Output("kamailio/kamailio.cfg", "kamailio/kamailio.cfg"),
                     Output("kamailio/dispatcher.list", "kamailio/dispatcher.list"),
                     Output("kamailio/db/version.dbtext", "kamailio/db/version"),
                     Output("kamailio/db/subscriber.dbtext", "kamailio/db/subscriber")],
    }
    if piece not in table:
        raise UnknownPiece(f"no piece {piece!r} (known: {', '.join(PIECES)})")
    return table[piece]


SWITCH_PIECES = ("event-socket", "sip", "directory", "dialplan", "features", "moh")
# The load balancer's files go to another machine: rendered only when asked for (--only kamailio).
PIECES = (*SWITCH_PIECES, "kamailio")


def selected_outputs(pieces: list[str] | tuple[str, ...], fs: FreeswitchConfig) -> list[Output]:
    """The files of the chosen pieces (every switch piece when none are chosen), each once."""
    chosen: dict[str, Output] = {}
    for piece in pieces or SWITCH_PIECES:
        for output in outputs(piece, fs):
            chosen.setdefault(output.path, output)
    return list(chosen.values())
