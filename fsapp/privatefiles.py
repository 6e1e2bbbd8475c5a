"""Files holding personal data or secrets are created readable by their owner only (0600), whatever the umask.

:func:`write_atomic` replaces a file's content in one step with a given mode; :func:`ensure_private` creates an
empty file 0600 for a program that opens it afterwards (SQLite), and takes the world bits off one that exists.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE = 0o600


def write_atomic(path: str | Path, text: str | bytes, mode: int = PRIVATE) -> Path:
    """Write ``text`` (or bytes) to ``path`` through a scratch file created with ``mode`` (a crash leaves old or
    new)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(target.name + ".tmp")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(text.encode("utf-8") if isinstance(text, str) else text)
    os.chmod(scratch, mode)   # the scratch file may have been left by a crash with another mode
    os.replace(scratch, target)
    return target


def ensure_private(path: str | Path) -> Path:
    """Create ``path`` empty with mode 0600 if it is missing; an existing file loses its bits for others."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
        return target
    except FileExistsError:
        pass
    mode = stat.S_IMODE(target.stat().st_mode)
    if mode & 0o007:
        log.warning("%s was readable by every user (mode %o); taking that away", target, mode)
        target.chmod(mode & ~0o007)
    return target
