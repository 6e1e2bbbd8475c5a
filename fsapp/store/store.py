"""The case store: one object the phone side, the API and the command line all talk to."""

from __future__ import annotations

from pathlib import Path

from fsapp.store.away import AwayNotes
from fsapp.store.base import StoreBase
from fsapp.store.cases import CaseClosedListener, CaseCommands, CaseStatusListener
from fsapp.store.catalog import CatalogQueries
from fsapp.store.claims import ContactClaims
from fsapp.store.contacts import ContactLog
from fsapp.store.database import open_database
from fsapp.store.desk import DeskQueries
from fsapp.store.importer import Importer
from fsapp.store.open311keys import Open311Keys
from fsapp.store.phones import DEFAULT_REGION
from fsapp.store.public import PublicCases
from fsapp.store.recordings import RecordingLog
from fsapp.store.retention import DataProtection, ErasureHook
from fsapp.store.workitems import WorkItemLog
from fsapp.store.workflow import Clock, system_clock


class Store(CaseCommands, CatalogQueries, RecordingLog, ContactLog, Importer, DataProtection, AwayNotes,
            PublicCases, Open311Keys, ContactClaims, DeskQueries, WorkItemLog, StoreBase):
    """Citizens, properties, cases, contacts, calls and callbacks, on SQLite or PostgreSQL.

    Every method is a short transaction; what it returns are plain records, never live model objects.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.case_closed_listeners: list[CaseClosedListener] = []
        self.case_status_listeners: list[CaseStatusListener] = []
        self.erasure_hooks: list[ErasureHook] = []

    def on_case_closed(self, listener: CaseClosedListener) -> None:
        """Call ``listener`` with the case's details each time a case is closed (closing the loop)."""
        self.case_closed_listeners.append(listener)

    def on_case_status(self, listener: CaseStatusListener) -> None:
        """Call ``listener`` with the case's details, the old and the new status after each status change."""
        self.case_status_listeners.append(listener)

    def on_erase(self, hook: ErasureHook) -> None:
        """Let ``hook`` erase what another part keeps of a citizen whenever one is erased (see ErasureHook)."""
        if hook not in self.erasure_hooks:
            self.erasure_hooks.append(hook)


def open_store(url: str, *, clock: Clock = system_clock, region: str = DEFAULT_REGION,
               files_dir: str | Path | None = None, migrate: bool = True) -> Store:
    """Open the store at ``url`` (``sqlite:///path.db``, ``sqlite:///:memory:``, ``postgresql://...``).

    The schema is brought up to date unless ``migrate`` is False. Attachments go to ``files_dir``
    (default: ``attachments/`` next to a SQLite file, else ``var/attachments``).
    """
    database = open_database(url)
    if files_dir is None:
        files_dir = _default_files_dir(url)
    store = Store(database, clock=clock, region=region, files_dir=files_dir)
    if migrate:
        store.migrate()
    return store


def _default_files_dir(url: str) -> Path:
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url[len("sqlite:///"):]).parent / "attachments"
    return Path("var/attachments")
