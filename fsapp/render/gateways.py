"""Trunk gateways from ``freeswitch.gateways``: ``name: sip:USER:PASSWORD@HOST[:PORT][;register=false][;ping=30]``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from fsapp.render.errors import GatewayError

_URI = re.compile(r"^sips?:(?:(?P<user>[^:@;]+)(?::(?P<password>[^@;]*))?@)?(?P<host>[A-Za-z0-9.\-\[\]:]+?)"
                  r"(?::(?P<port>\d{1,5}))?(?P<params>(?:;[A-Za-z_\-]+=[^;]*)*)$")
_KNOWN_PARAMS = {"register", "transport", "realm", "from-domain", "caller-id-in-from", "ping"}


@dataclass(frozen=True)
class Gateway:
    """One SIP trunk the trunks profile registers to (or just sends calls to)."""

    name: str
    proxy: str
    username: str
    password: str
    register: bool
    transport: str
    realm: str
    from_domain: str
    ping: int = 30   # seconds between OPTIONS pings (0: none); a gateway that misses one is down until the next

    def __repr__(self) -> str:
        return f"Gateway(name={self.name!r}, proxy={self.proxy!r}, username={self.username!r}, password=***)"


def parse_gateway(name: str, uri: str) -> Gateway:
    """Read one gateway; errors name the gateway but never repeat the address (it holds the password)."""
    match = _URI.match(uri.strip())
    if match is None:
        raise GatewayError(f"freeswitch.gateways.{name}: expected sip:USER:PASSWORD@HOST[:PORT][;register=false]")
    params = dict(part.split("=", 1) for part in match["params"].split(";")[1:])
    unknown = set(params) - _KNOWN_PARAMS
    if unknown:
        raise GatewayError(f"freeswitch.gateways.{name}: unknown parameter(s) {', '.join(sorted(unknown))} "
                           f"(known: {', '.join(sorted(_KNOWN_PARAMS))})")
    user = unquote(match["user"] or "")
    host = match["host"] + (f":{match['port']}" if match["port"] else "")
    register = params.get("register", "true" if user else "false").lower() in ("true", "yes", "1")
    ping = params.get("ping", "30")
    if not ping.isdigit():
        raise GatewayError(f"freeswitch.gateways.{name}: ping must be a number of seconds (0: no pings)")
    return Gateway(name=name, proxy=host, username=user, password=unquote(match["password"] or ""),
                   register=register, transport=params.get("transport", "udp"),
                   realm=params.get("realm", match["host"]), from_domain=params.get("from-domain", match["host"]),
                   ping=int(ping))


def parse_gateways(gateways: dict[str, str]) -> list[Gateway]:
    return [parse_gateway(name, uri) for name, uri in sorted(gateways.items())]
