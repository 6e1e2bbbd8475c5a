"""A fax's files kept with its contact: written under the store's files with names fsapp makes, listed with the fax
contacts, removed with the contact by retention and with the citizen by erasure; migration 11 brings an older
database along."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import peewee as pw

from fsapp.store import RetentionPolicy, open_store
from fsapp.store.migrations import current_version, migrate
from tests.fax.pages import fax_tiff


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def test_a_fax_file_is_kept_listed_and_removed_by_retention(tmp_path: Path) -> None:
    clock = Clock()
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}", clock=clock, files_dir=tmp_path / "files")
    contact = store.record_interaction("fax", "in", address="+4790000401", subject="Fax from FAX 1")
    kept = store.keep_contact_file_copy(contact, fax_tiff(tmp_path / "in.tif", 2), "../../etc/passwd\n.tif",
                                        kind="fax", content_type="image/tiff", pages=2)
    path = Path(kept["path"])
    assert path.is_file() and path.parent == tmp_path / "files" / "contacts" / str(contact)
    assert "/" not in kept["filename"] and "\n" not in kept["filename"] and ".." not in path.name
    [listed] = store.fax_contacts()
    assert (listed["id"], listed["pages"], listed["files"][0]["sha256"]) == (contact, 2, kept["sha256"])
    clock.now += timedelta(days=40)
    store.apply_retention(RetentionPolicy(interactions_days=30))
    assert not path.exists() and store.fax_contacts() == []


def test_erasing_a_citizen_removes_their_faxes(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}", files_dir=tmp_path / "files")
    kari = store.add_citizen("Kari", ["+4790000401"])
    contact = store.record_interaction("fax", "in", address="+4790000401")
    path = Path(store.keep_contact_file_copy(contact, fax_tiff(tmp_path / "in.tif", 1), "fax.tif", kind="fax",
                                             content_type="image/tiff")["path"])
    report = store.erase_citizen(kari.id, "dpo")
    assert not path.exists() and report.files >= 1
    assert store.contact_files(contact) == []


def test_migration_11_adds_the_files_table_to_a_database_at_10(tmp_path: Path) -> None:
    database = pw.SqliteDatabase(str(tmp_path / "old.sqlite"))
    now = lambda: datetime.now(timezone.utc)  # noqa: E731
    migrate(database, now, target=10)
    assert current_version(database) == 10 and "contact_file" not in database.get_tables()
    assert migrate(database, now) == [11]
    assert "contact_file" in database.get_tables()
    assert "pages" in {column.name for column in database.get_columns("contact_file")}


class StubCall:
    """A resumed call whose fax_filename points elsewhere (what a tampered switch could claim)."""

    uuid, caller_number, resumed, gone = "c-1", "+4790000401", True, False

    def __init__(self, path: str) -> None:
        self.variables = {"fax_filename": path}
        self.hung_up = False

    def hangup(self) -> None:
        self.hung_up = True


def test_a_resumed_fax_never_reads_outside_the_spool(tmp_path: Path) -> None:
    from fsapp.config import load_config
    from fsapp.fax.inbox import FaxInbox

    config = load_config(None, env={}, overrides={"paths.faxes": str(tmp_path / "faxes"), "fax.enabled": True,
                                                  "fax.number": "+4721000099"})
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}", files_dir=tmp_path / "files")
    inbox = FaxInbox(config, store, lambda: datetime.now(timezone.utc))
    (tmp_path / "secret.tif").write_bytes(b"not yours")
    for path in (str(tmp_path / "faxes" / "in" / ".." / ".." / "secret.tif"), "relative/in/x.tif",
                 str(tmp_path / "faxes" / "in" / "x.txt")):
        call = StubCall(path)
        assert inbox.serve(call) is None and call.hung_up   # type: ignore[arg-type]
    assert store.fax_contacts() == [] and (tmp_path / "secret.tif").exists()
