"""Signed-in people: a random session id in an HttpOnly, SameSite=Strict cookie, a CSRF token per session.

Sessions live in the controller's memory (a restart asks everyone to sign in again); the id is 32 random
bytes, compared in constant time by the dict lookup of its SHA-256. A session ends when it expires
(``desk.session_hours``), when the person signs out, or when the person is disabled (checked on each request).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "fsapp_desk"
LOGIN_COOKIE = "fsapp_desk_login"   # the sign-in form's CSRF token (no session yet)
MAX_SESSIONS = 2000


@dataclass
class DeskSession:
    """One signed-in person."""

    name: str
    role: str
    agent: str | None
    language: str
    expires: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf.encode(), (token or "").encode())

    @property
    def supervises(self) -> bool:
        return self.role in ("supervisor", "admin")


class SessionBook:
    """Sessions by the SHA-256 of their id; the clock is injected (seconds)."""

    def __init__(self, clock: Callable[[], float], lifetime: float) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self._sessions: dict[str, DeskSession] = {}

    @staticmethod
    def _key(session_id: str) -> str:
        return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()

    def open(self, name: str, role: str, agent: str | None, language: str) -> tuple[str, DeskSession]:
        """A new session (the id for the cookie, and the session)."""
        self._expire()
        if len(self._sessions) >= MAX_SESSIONS:
            oldest = min(self._sessions, key=lambda key: self._sessions[key].expires)
            del self._sessions[oldest]
        session_id = secrets.token_urlsafe(32)
        session = DeskSession(name, role, agent, language, self.clock() + self.lifetime)
        self._sessions[self._key(session_id)] = session
        return session_id, session

    def get(self, session_id: str | None) -> DeskSession | None:
        if not session_id or len(session_id) > 100:
            return None
        session = self._sessions.get(self._key(session_id))
        if session is None or session.expires <= self.clock():
            return None
        return session

    def close(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(self._key(session_id), None)

    def close_person(self, name: str) -> None:
        for key in [k for k, s in self._sessions.items() if s.name == name]:
            del self._sessions[key]

    def _expire(self) -> None:
        now = self.clock()
        for key in [k for k, s in self._sessions.items() if s.expires <= now]:
            del self._sessions[key]

    def __len__(self) -> int:
        return len(self._sessions)
