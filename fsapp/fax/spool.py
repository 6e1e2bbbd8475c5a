"""Where fax files wait while a fax is received or sent: names fsapp makes, never from the caller or a file given."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path


def spool_path(folder: Path, direction: str, moment: datetime, suffix: str) -> Path:
    """A new file ``<folder>/<direction>/<YYYY-MM-DD>/<time>-<random>.<suffix>``, by absolute path (the switch reads
    or writes it). Directories are made for the owner and the group (the switch's user), never for others."""
    day = folder.resolve() / direction / moment.strftime("%Y-%m-%d")
    day.mkdir(parents=True, exist_ok=True, mode=0o770)
    return day / f"{moment.strftime('%H%M%S')}-{secrets.token_hex(8)}{suffix}"


def remove_quietly(*paths: Path) -> None:
    """Remove work files that are kept elsewhere now (a missing one is fine)."""
    for path in paths:
        path.unlink(missing_ok=True)
