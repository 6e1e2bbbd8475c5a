"""Bearer tokens and roles.

``api.tokens`` in the configuration maps each token to a role, or to a role and the one agent an operator
token may act on::

    api:
      tokens:
        "3f9c...long random string...": supervisor
        "b71e...": integration
        "9d02...": {role: operator, agent: ola}

A request names its token in ``Authorization: Bearer <token>``. The role decides what it may do
(:data:`ROLE_PERMISSIONS`); an operator token bound to an agent may log in, pause or log out only that agent.
The audit log names the caller by role and a fingerprint of the token (``supervisor:1a2b3c4d``), never by the
token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from fsapp.api.errors import Forbidden, Unauthorized
from fsapp.errors import ConfigError

log = logging.getLogger(__name__)

PERMISSIONS = ("read", "agents", "calls", "supervise", "recordings", "reports", "screenpop", "audit")
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "supervisor": frozenset(PERMISSIONS) - {"audit"},
    "operator": frozenset({"read", "agents", "screenpop"}),
    "integration": frozenset({"read", "screenpop", "reports"}),
}
ROLES = tuple(ROLE_PERMISSIONS)
TokenSpec = str | Mapping[str, str]


@dataclass(frozen=True)
class Grant:
    """What one token may do: its role, and for an operator token the agent it is bound to."""

    role: str
    agent: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, a short fingerprint of the token for the audit log, the bound agent if any;
    a person signed in to the desk is named by ``person`` (the audit log shows the name)."""

    role: str
    fingerprint: str
    agent: str | None = None
    person: str | None = None

    @property
    def actor(self) -> str:
        return self.person or f"{self.role}:{self.fingerprint}"

    def may(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:8]


def grants(tokens: Mapping[str, TokenSpec], agents: Collection[str] | None = None) -> dict[str, Grant]:
    """Each token's grant; a configuration naming an unknown role or agent is refused (tokens not repeated)."""
    found: dict[str, Grant] = {}
    for token, spec in tokens.items():
        where = f"token {fingerprint(token)}"
        grant = Grant(spec) if isinstance(spec, str) else _grant(where, spec)
        if grant.role not in ROLE_PERMISSIONS:
            raise ConfigError(f"{where}: unknown role {grant.role!r} (known: {', '.join(ROLES)})", key="api.tokens")
        if grant.agent is not None and grant.role != "operator":
            raise ConfigError(f"{where}: only an operator token is bound to an agent", key="api.tokens")
        if grant.agent is not None and agents is not None and grant.agent not in agents:
            raise ConfigError(f"{where}: unknown agent {grant.agent!r}", key="api.tokens")
        if len(token) < 16:
            log.warning("%s is shorter than 16 characters; use a long random token", where)
        if grant.role == "operator" and grant.agent is None:
            log.warning("%s: operator token not bound to an agent ({role: operator, agent: NAME}); it may act "
                        "on every agent", where)
        found[token] = grant
    return found


def _grant(where: str, spec: Mapping[str, str]) -> Grant:
    unknown = set(spec) - {"role", "agent"}
    if unknown or "role" not in spec:
        raise ConfigError(f"{where}: give a role, or a mapping {{role: ROLE, agent: NAME}}", key="api.tokens")
    return Grant(spec["role"], spec.get("agent") or None)


def authenticate(header: str | None, tokens: Mapping[str, Grant]) -> Principal:
    """The principal of an ``Authorization`` header; raises Unauthorized."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("an Authorization: Bearer <token> header is required")
    token = token.strip()
    grant = None
    for known, known_grant in tokens.items():
        if hmac.compare_digest(known.encode("utf-8"), token.encode("utf-8")):
            grant = known_grant
    if grant is None:
        raise Unauthorized("unknown token")
    return Principal(grant.role, fingerprint(token), grant.agent)


def require(principal: Principal, permission: str) -> None:
    if not principal.may(permission):
        raise Forbidden(f"role {principal.role} may not use {permission}")


def require_agent(principal: Principal, agent_id: str) -> None:
    """A token bound to an agent may act on that agent only."""
    if principal.agent is not None and principal.agent != agent_id:
        raise Forbidden(f"this token may act on agent {principal.agent} only")
