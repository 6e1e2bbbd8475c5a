"""Shared fixtures: the recorded FreeSWITCH transcripts used as protocol fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

TRANSCRIPTS = Path(__file__).parent / "data" / "transcripts"


def transcript_paths(suffix: str) -> list[Path]:
    """Every recorded stream with this suffix (``.rx.bin``: from the switch, ``.tx.bin``: to it)."""
    return sorted(TRANSCRIPTS.rglob(f"*{suffix}"))


@pytest.fixture(scope="session")
def transcripts_dir() -> Path:
    return TRANSCRIPTS
