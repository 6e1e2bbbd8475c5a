"""Finding call recordings and voicemails: the store's rows (each recorded segment and voicemail, with its call,
agent, citizen and case), and files under ``<recordings_dir>/YYYY/MM/DD/<uuid>[.<suffix>].wav`` the store has no
row for (recorded before recordings were rows, or started from the API) joined with the call record of
``<uuid>``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from fsapp.offhub import BULK, off_hub
from fsapp.store.errors import NotFound
from fsapp.store.recordings import RecordingFilter


class CallRecords(Protocol):
    def call(self, call_uuid: str) -> dict[str, Any]: ...

    def recordings(self, query: RecordingFilter = ..., limit: int = ...) -> list[dict[str, Any]]: ...

    def recording_path(self, file_name: str) -> str | None: ...


@dataclass(frozen=True)
class RecordingQuery:
    agent: str | None = None
    queue: str | None = None
    caller: str | None = None
    day_from: date | None = None
    day_to: date | None = None     # inclusive
    kind: str | None = None        # call | voicemail (None: both)
    open_only: bool = False        # voicemails not marked done


def listed_recording(row: dict[str, Any]) -> dict[str, Any]:
    """A store's recording row as the API lists it (with its day and the file's size)."""
    path = Path(row["path"])
    return {**row, "date": row["started_at"].date().isoformat(), "size": path.stat().st_size if path.is_file() else 0}


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
    """Recordings matching every given filter, each with the call's details: the store's rows (oldest first),
    then files on disk it has no row for."""
    kept = RecordingFilter(kind=query.kind, agent=query.agent, queue=query.queue, caller=query.caller,
                           day_from=query.day_from, day_to=query.day_to, open_only=query.open_only)
    found = [listed_recording(row) for row in store.recordings(kept)]
    if query.kind in (None, "call") and not query.open_only:
        around = RecordingFilter(kind="call", day_from=query.day_from and query.day_from - timedelta(days=1),
                                 day_to=query.day_to and query.day_to + timedelta(days=1))   # folders: local days
        known = {row["file"] for row in store.recordings(around, limit=1_000_000)}
        found += _unlisted_files(Path(root), store, query, known)
    return found


def _unlisted_files(root: Path, store: CallRecords, query: RecordingQuery, known: set[str]) -> list[dict[str, Any]]:
    found = []
    for day, folder in _days(root, query):
        for path in sorted(folder.glob("*.wav")):
            if path.name in known:
                continue
            call_uuid = path.name.split(".", 1)[0]
            try:
                call = store.call(call_uuid)
            except NotFound:
                call = {}
            row = {"call_uuid": call_uuid, "kind": "call", "file": path.name, "date": day.isoformat(),
                   "path": str(path), "size": path.stat().st_size, "agent": call.get("agent"),
                   "queue": call.get("queue"), "caller": call.get("caller_number"),
                   "started_at": call.get("started_at")}
            if (query.agent and row["agent"] != query.agent) or (query.queue and row["queue"] != query.queue):
                continue
            if query.caller and query.caller not in (row["caller"] or ""):
                continue
            found.append(row)
    return found


@off_hub(BULK)   # looks in up to ten years of daily folders
def recording_file(root: str | Path, store: CallRecords, name: str, within_days: int = 3660) -> Path | None:
    """The file of a recording or voicemail by its file name (as ``find_recordings`` lists it), if it exists."""
    if "/" in name or name.startswith("."):
        return None
    kept = store.recording_path(name)
    if kept is not None:
        return Path(kept) if Path(kept).is_file() else None
    for _, folder in _days(Path(root), RecordingQuery(day_from=date.today() - timedelta(days=within_days))):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None
