"""Where store work runs: on the store's lanes, inline inside a caller's transaction, with the right models."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

import gevent

from fsapp.store import Store, open_store
from fsapp.store.database import open_database
from fsapp.store.importer import BATCH_ROWS, ImportReport
from fsapp.store.lanes import in_store

WAIT = 10.0


def test_store_work_runs_off_the_calling_thread_unless_it_holds_a_transaction(store: Store) -> None:
    assert in_store(store.db, threading.get_ident) != threading.get_ident()
    with store.db.atomic():
        assert in_store(store.db, threading.get_ident) == threading.get_ident()


def test_two_stores_used_at_once_keep_their_rows_apart(tmp_path: Path) -> None:
    first, second = open_store(f"sqlite:///{tmp_path}/a.db"), open_store(f"sqlite:///{tmp_path}/b.db")
    greenlets = [gevent.spawn(store.add_citizen, f"Citizen {index}", [f"+479000{index:04d}"])
                 for index in range(40) for store in ((first, second)[index % 2],)]
    gevent.joinall(greenlets, timeout=WAIT, raise_error=True)
    names = [{citizen.name for citizen in store.find_citizens(limit=100)} for store in (first, second)]
    assert names == [{f"Citizen {index}" for index in range(0, 40, 2)},
                     {f"Citizen {index}" for index in range(1, 40, 2)}]


def test_an_in_memory_store_is_one_database_for_every_thread() -> None:
    first, second = open_store("sqlite:///:memory:"), open_store("sqlite:///:memory:")
    first.add_citizen("Kari Nordmann", ["+4722334455"])
    gevent.joinall([gevent.spawn(first.add_citizen, f"Citizen {index}") for index in range(10)],
                   timeout=WAIT, raise_error=True)
    assert first.lookup_caller("+4722334455").citizen is not None
    assert len(first.find_citizens(limit=100)) == 11 and second.find_citizens() == []


def test_a_write_after_a_read_waits_for_another_writer_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "fsapp.db"
    store = open_store(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE reference_counter SET last = last")
    release = threading.Timer(0.5, other.execute, ("COMMIT",))   # another process, done in half a second
    release.start()
    try:
        call_id = store.record_call("u-1", "in", datetime.now(timezone.utc), caller_number="+4722334455")
    finally:
        release.join(WAIT)
        other.close()
    assert store.call("u-1")["caller_number"] == "+4722334455" and call_id


def test_an_import_commits_in_batches_and_other_writers_get_in_between(store: Store, store_url: str,
                                                                       tmp_path: Path) -> None:
    source = tmp_path / "citizens.csv"
    rows = 2 * BATCH_ROWS + 7
    source.write_text("external_id,name,phone\n" + "".join(
        f"R{index},Citizen {index},+4791{index:06d}\n" for index in range(rows)), encoding="utf-8")
    other = open_database(store_url)   # another connection, as the controller has while an import runs
    seen: list[int] = []

    def progress(report: ImportReport) -> None:   # between two batches: the write lock is free
        seen.append(report.created)
        other.execute_sql(f"INSERT INTO department (code, name) VALUES ({other.param}, 'x')", (f"d{len(seen)}",))

    report = store.import_citizens(source, progress=progress)
    other.close()
    assert report.created == rows and seen == [BATCH_ROWS, 2 * BATCH_ROWS, rows]
    written = store.db.execute_sql("SELECT code FROM department ORDER BY code").fetchall()
    assert [code for (code,) in written] == ["d1", "d2", "d3"]
    assert len(store.find_citizens(limit=1000)) == rows
