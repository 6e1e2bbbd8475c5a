"""Files the store keeps (a case's attachments, a contact's files): copied under its files directory, by digest."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def safe_name(name: str, fallback: str = "file") -> str:
    """A file name that is one plain component: no directory, no control or odd characters, at most 100."""
    cleaned = _UNSAFE.sub("_", Path(name).name).lstrip(".")[:100]
    return cleaned or fallback


def keep_copy(source: Path, folder: Path, name: str) -> tuple[Path, str, int]:
    """Copy ``source`` into ``folder`` as ``<digest prefix>-<name>``; returns (path, sha256, size)."""
    digest = sha256_of(source)
    target = folder / f"{digest[:16]}-{safe_name(name)}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target, digest, target.stat().st_size
