"""Finding call recordings: files under ``<recordings_dir>/YYYY/MM/DD/<uuid>[.<suffix>].wav`` joined with
the store's call record of ``<uuid>`` (agent, queue, caller)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from fsapp.offhub import BULK, off_hub
from fsapp.store.errors import NotFound


class CallRecords(Protocol):
    def call(self, call_uuid: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class RecordingQuery:
    agent: str | None = None
    queue: str | None = None
    caller: str | None = None
    day_from: date | None = None
    day_to: date | None = None     # inclusive


def _days(root: Path, query: RecordingQuery) -> Iterator[tuple[date, Path]]:
    for year in sorted(root.glob("[0-9][0-9][0-9][0-9]")):
        for month in sorted(year.glob("[0-9][0-9]")):
            for day_dir in sorted(month.glob("[0-9][0-9]")):
                try:
                    day = date(int(year.name), int(month.name), int(day_dir.name))
                except ValueError:
                    continue
                if (query.day_from and day < query.day_from) or (query.day_to and day > query.day_to):
                    continue
                yield day, day_dir


@off_hub(BULK)   # a walk through the recordings' folders and a query per file
def find_recordings(root: str | Path, store: CallRecords, query: RecordingQuery) -> list[dict[str, Any]]:
    """Recordings matching every given filter, oldest first, each with the call's details."""
    found = []
    for day, folder in _days(Path(root), query):
        for path in sorted(folder.glob("*.wav")):
            call_uuid = path.name.split(".", 1)[0]
            try:
                call = store.call(call_uuid)
            except NotFound:
                call = {}
            row = {"call_uuid": call_uuid, "date": day.isoformat(), "path": str(path),
                   "size": path.stat().st_size, "agent": call.get("agent"), "queue": call.get("queue"),
                   "caller": call.get("caller_number"), "started_at": call.get("started_at")}
            if (query.agent and row["agent"] != query.agent) or (query.queue and row["queue"] != query.queue):
                continue
            if query.caller and query.caller not in (row["caller"] or ""):
                continue
            found.append(row)
    return found


@off_hub(BULK)   # looks in up to ten years of daily folders
def recording_file(root: str | Path, name: str, within_days: int = 3660) -> Path | None:
    """The file of a recording by its file name (as ``find_recordings`` lists it), if it exists."""
    if "/" in name or name.startswith("."):
        return None
    for _, folder in _days(Path(root), RecordingQuery(day_from=date.today() - timedelta(days=within_days))):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None
