"""Bearer tokens and roles.

``api.tokens`` in the configuration maps each token to a role::

    api:
      tokens:
        "3f9c...long random string...": supervisor
        "b71e...": integration

A request names its token in ``Authorization: Bearer <token>``. The role decides what it may do
(:data:`ROLE_PERMISSIONS`). The audit log names the caller by role and a fingerprint of the token
(``supervisor:1a2b3c4d``), never by the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from fsapp.api.errors import Forbidden, Unauthorized
from fsapp.errors import ConfigError

PERMISSIONS = ("read", "agents", "calls", "supervise", "recordings", "reports", "screenpop", "audit")
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "supervisor": frozenset(PERMISSIONS) - {"audit"},
    "operator": frozenset({"read", "agents", "screenpop"}),
    "integration": frozenset({"read", "screenpop", "reports"}),
}
ROLES = tuple(ROLE_PERMISSIONS)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, and a short fingerprint of the token for the audit log."""

    role: str
    fingerprint: str

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.fingerprint}"

    def may(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:8]


def check_tokens(tokens: Mapping[str, str]) -> None:
    """Refuse a configuration naming an unknown role (the token itself is not repeated)."""
    for token, role in tokens.items():
        if role not in ROLE_PERMISSIONS:
            raise ConfigError(f"token {fingerprint(token)}: unknown role {role!r} (known: {', '.join(ROLES)})",
                              key="api.tokens")


def authenticate(header: str | None, tokens: Mapping[str, str]) -> Principal:
    """The principal of an ``Authorization`` header; raises Unauthorized."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("an Authorization: Bearer <token> header is required")
    token = token.strip()
    role = None
    for known, known_role in tokens.items():
        if hmac.compare_digest(known.encode("utf-8"), token.encode("utf-8")):
            role = known_role
    if role is None:
        raise Unauthorized("unknown token")
    return Principal(role, fingerprint(token))


def require(principal: Principal, permission: str) -> None:
    if not principal.may(permission):
        raise Forbidden(f"role {principal.role} may not use {permission}")
