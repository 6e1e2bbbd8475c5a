"""Desk passwords: argon2id hashes (argon2-cffi), never the password itself; a checked length."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from fsapp.errors import FsappError
from fsapp.offhub import Lane, off_hub

MIN_LENGTH = 10
MAX_LENGTH = 200
_HASHER = PasswordHasher()
PASSWORDS = Lane("passwords", 2)
"""argon2 takes tens of milliseconds of CPU by design (and releases the GIL): never on the hub."""
# Verifying against this when the name is unknown costs as much as a real check (no timing hint).
_DUMMY = _HASHER.hash("not a password of anyone")


class WeakPassword(FsappError):
    """A password too short or too long to be taken."""


@off_hub(PASSWORDS)
def hash_password(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise WeakPassword(f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters")
    return _HASHER.hash(password)


@off_hub(PASSWORDS)
def check_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (unknown person) the same work is done and False returned."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
