"""Desk passwords: argon2id hashes (argon2-cffi), never the password itself; a checked length."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from fsapp.errors import FsappError

MIN_LENGTH = 10
MAX_LENGTH = 200
_HASHER = PasswordHasher()
# Verifying against this when the name is unknown costs as much as a real check (no timing hint).
_DUMMY = _HASHER.hash("not a password of anyone")


class WeakPassword(FsappError):
    """A password too short or too long to be taken."""


def hash_password(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise WeakPassword(f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters")
    return _HASHER.hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (unknown person) the same work is done and False returned."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
