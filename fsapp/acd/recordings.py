"""Where queue calls are recorded and the record handed to the store when a recording ends (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


def recording_path(recordings_dir: str | Path, call_uuid: str, at: float) -> Path:
    """``<recordings_dir>/YYYY/MM/DD/<uuid>.wav`` for a recording started at epoch seconds ``at``."""
    day = datetime.fromtimestamp(at)
    return Path(recordings_dir) / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}" / f"{call_uuid}.wav"


@dataclass
class Recording:
    """A queue call being recorded on the caller's leg (both parties, mixed)."""

    call_uuid: str
    path: str
    queue: str
    agent_id: str
    caller_number: str | None
    started_at: float
    ended_at: float | None = None
    record_ms: int | None = None

    def as_record(self, ended_at: float) -> dict[str, Any]:
        """The row the store keeps: who, when, which queue, how long, where the file is."""
        end = self.ended_at if self.ended_at is not None else ended_at
        duration = self.record_ms / 1000 if self.record_ms is not None else max(0.0, end - self.started_at)
        return {"call_uuid": self.call_uuid, "queue": self.queue, "agent_id": self.agent_id,
                "caller_number": self.caller_number, "started_at": self.started_at, "ended_at": end,
                "duration": round(duration, 3), "path": self.path}
