"""Call list import (CSV and .xlsx), do-not-call, callbacks, and the command line."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import gevent
from click.testing import CliRunner
from openpyxl import Workbook

from cli import main
from fsapp.dialer import CallbackBook, CallbackDialer, CampaignSettings, CampaignStore
from fsapp.sim import SimulatedSwitch
from fsapp.store import Store
from fsapp.switch import Call, Switch
from tests import timeline

LIST = """phone,name,language,address
22 33 44 55,Kari,nb,Storgata 1
not a number,Ola,nb,
,Nobody,en,
+47 22 33 44 55,,en,
0047 90000001,Per,english,
90000002,Lise,pl,Bakken 3
90000003,Blocked,nb,
"""


def _settings() -> CampaignSettings:
    return CampaignSettings(message={"nb": "Hei"})


def test_import_reports_bad_rows_merges_duplicates_and_honours_do_not_call(campaigns: CampaignStore,
                                                                            tmp_path: Path) -> None:
    campaigns.add_do_not_call(["90000003"], reason="asked")
    campaigns.create("list", _settings())
    path = tmp_path / "list.csv"
    path.write_text(LIST, encoding="utf-8")
    report = campaigns.import_list("list", path)
    assert [(p.row, p.reason) for p in report.problems] == [
        (3, "phone 'not a number' is not a valid number"), (4, "no phone number"),
        (6, "language 'english' is not a language code (nb, en, pl...)")]
    assert (report.added, report.merged, report.do_not_call) == (2, 1, 1)
    rows = {r["number"]: r for r in campaigns.contact_rows(campaigns.get("list").id)}
    assert set(rows) == {"+4722334455", "+4790000002"}
    assert rows["+4722334455"]["name"] == "Kari" and rows["+4722334455"]["row"] == 2

    again = campaigns.import_list("list", path)  # a re-import merges, never duplicates
    assert again.added == 0 and again.merged == 3
    campaigns.add_do_not_call(["+4790000002"])  # added later: the pending contact is closed
    assert campaigns.counts(campaigns.get("list").id)["done:do_not_call"] == 1


def test_xlsx_lists_are_read_with_row_numbers(campaigns: CampaignStore, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Phone", "Name"])
    sheet.append([90000010, "Anne"])
    sheet.append(["12", "Short"])
    path = tmp_path / "list.xlsx"
    book.save(path)
    campaigns.create("xlsx", _settings())
    report = campaigns.import_list("xlsx", path)
    assert report.added == 1 and [(p.row, p.reason) for p in report.problems] == [
        (3, "phone '12' is not a valid number")]


def test_callbacks_keep_their_place_and_respect_windows(store: Store) -> None:
    book = CallbackBook(store)
    now = store.clock()
    late_joiner = book.request("90000020", source="queue", queue="building", queued_since=now - timedelta(minutes=2))
    early_joiner = book.request("90000021", source="queue", queue="building", queued_since=now - timedelta(minutes=9))
    tomorrow = book.request("90000022", source="operator", owner="anna", queue="building",
                            window_start=now + timedelta(days=1), window_end=now + timedelta(days=1, hours=2))
    expired = book.request("90000023", source="ivr", window_start=now - timedelta(hours=3),
                           window_end=now - timedelta(hours=1))
    due = book.scheduled(due_only=True)
    assert [item.id for item in due] == [early_joiner, late_joiner]
    assert [item.id for item in book.scheduled(owner="anna")] == [tomorrow]
    assert expired not in [item.id for item in book.scheduled()]
    assert book.finish(late_joiner, "busy", "USER_BUSY") == "retry"
    assert late_joiner not in [item.id for item in book.scheduled(due_only=True)]


class OneAgentDesk:
    def __init__(self) -> None:
        self.callers: list[dict[str, object]] = []

    def free_agents(self, queue: str) -> int:
        return 1

    def connect(self, call: Call, queue: str, caller: dict[str, object]) -> bool:
        self.callers.append(caller)
        call.hangup()
        return True


def test_callback_dialer_hands_the_caller_to_the_queue_with_their_place(store: Store, sim: SimulatedSwitch,
                                                                         switch: Switch) -> None:
    sim.add_endpoint("+4790000030", answer_after=0.2)
    sim.add_endpoint("+4790000031", behaviour="busy")
    book = CallbackBook(store, retry_delay=0)
    joined = store.clock() - timedelta(minutes=5)
    reached = book.request("90000030", source="queue", queue="roads", queued_since=joined)
    busy = book.request("90000031", source="queue", queue="roads", max_attempts=1)
    desk = OneAgentDesk()
    dialer = CallbackDialer(book, switch, desk, "roads")
    first = gevent.spawn(dialer.run_once).get(timeout=20)
    second = gevent.spawn(dialer.run_once).get(timeout=20)
    assert first == {reached: "done"} and second == {busy: "failed"}
    assert desk.callers[0]["queued_since"] == joined.isoformat()
    assert store.pending_callbacks() == []


def test_cli_import_status_report_and_callbacks(tmp_path: Path, store: Store) -> None:
    url = f"sqlite:///{tmp_path / 'fsapp.db'}"
    path = tmp_path / "list.csv"
    path.write_text(LIST, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["campaign", "import", str(path), "--name", "water", "--db", url,
                                  "--message", "nb=Vannet stenges"])
    assert result.exit_code == 0, result.output
    assert "3 added, 1 merged" in result.output and f"{path}:3: phone 'not a number'" in result.output
    assert runner.invoke(main, ["campaign", "pause", "water", "--db", url]).output.strip() == "water: paused"
    refused = runner.invoke(main, ["campaign", "resume", "nope", "--db", url])
    assert refused.exit_code != 0 and "no campaign named 'nope'" in refused.output
    status = runner.invoke(main, ["campaign", "status", "water", "--db", url, "--json"])
    assert '"pending": 3' in status.output and '"status": "paused"' in status.output
    report = runner.invoke(main, ["campaign", "report", "water", "--db", url, "--format", "csv"])
    rows = list(csv.reader(io.StringIO(report.output)))
    assert rows[0] == ["section", "key", "count"] and ["contacts", "total", "3"] in rows
    png = tmp_path / "water.png"
    drawn = runner.invoke(main, ["campaign", "report", "water", "--db", url, "--format", "png", "-o", str(png)])
    assert drawn.exit_code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    CallbackBook(store).request("90000040", source="ivr", queue="building")
    listed = runner.invoke(main, ["callbacks", "list", "--due", "--db", url])
    assert "+4790000040" in listed.output and "yes" in listed.output


WINTER_DAY = timeline.next_date(1, 8, 10, 0)


def test_cli_adds_an_operators_scheduled_callback_in_local_time(tmp_path: Path, store: Store) -> None:
    url = f"sqlite:///{tmp_path / 'fsapp.db'}"
    runner = CliRunner()
    added = runner.invoke(main, ["callbacks", "add", "90000050", "--owner", "ingrid", "--queue", "operator",
                                 "--at", f"{WINTER_DAY:%Y-%m-%d %H:%M}", "--within", "1.5", "--db", url])
    assert added.exit_code == 0, added.output
    (item,) = CallbackBook(store).scheduled(owner="ingrid")
    assert (item.number, item.source, item.queue, item.due) == ("+4790000050", "operator", "operator", False)
    assert item.window_start.isoformat() == f"{WINTER_DAY:%Y-%m-%d}T09:00:00+00:00"   # 10:00 in Oslo in winter
    assert item.window_end - item.window_start == timedelta(hours=1.5)
    refused = runner.invoke(main, ["callbacks", "add", "90000051", "--at", "Tuesday", "--db", url])
    assert refused.exit_code != 0 and "YYYY-MM-DD HH:MM" in refused.output
