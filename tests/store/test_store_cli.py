"""The store's commands through the real ``fsapp`` click group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from fsapp.store import open_store


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    store = open_store(url)
    store.add_category("pothole", "Pothole", service_level_hours=24)
    store.add_citizen("Kari Nordmann", ["22 33 44 55"])
    store.close()
    return url


def run(db_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, list(args), env={"FSAPP_DATABASE_URL": db_url, "FSAPP_ACTOR": "clerk"},
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_case_life_from_the_command_line(db_url: str) -> None:
    code, out, _ = run(db_url, "cases", "new", "--category", "pothole", "-d", "Hole", "--phone", "22334455",
                       "--json")
    assert code == 0
    reference = json.loads(out)[0]["reference"]
    assert run(db_url, "cases", "assign", reference, "roadworker")[0] == 0
    assert run(db_url, "cases", "status", reference, "in progress")[0] == 0
    assert run(db_url, "cases", "note", reference, "On site")[0] == 0
    code, out, _ = run(db_url, "cases", "show", reference, "--json")
    detail = json.loads(out)
    assert detail["summary"]["status"] == "in_progress"
    assert [e["actor"] for e in detail["history"]] == ["clerk"] * 5
    code, out, _ = run(db_url, "cases", "find", "--open")
    assert code == 0 and "in_progress" in out and "roadworker" in out


def test_errors_are_one_line_and_non_zero(db_url: str) -> None:
    code, out, err = run(db_url, "cases", "status", "24-00001-9", "closed")
    assert code == 1 and "check digit" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(db_url, "cases", "new", "--category", "nope", "-d", "x")
    assert code == 1 and "no category" in err


def test_citizens_find_show_and_erase(db_url: str) -> None:
    code, out, _ = run(db_url, "citizens", "find", "kari", "--json")
    [kari] = json.loads(out)
    code, out, _ = run(db_url, "citizens", "show", str(kari["id"]))
    assert code == 0 and "Kari Nordmann" in out
    code, out, _ = run(db_url, "citizens", "erase", str(kari["id"]), "--yes")
    assert code == 0 and "erased" in out
    assert json.loads(run(db_url, "citizens", "find", "kari", "--json")[1]) == []


def test_db_migrate_and_import(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new/fresh.db"
    code, out, _ = run(url, "db", "migrate")
    assert code == 0 and "applied migrations 1, 2, 3" in out
    assert "up to date" in run(url, "db", "migrate")[1]
    source = tmp_path / "people.csv"
    source.write_text("name,phone\nKari,22 33 44 55\nNobody,12\n", encoding="utf-8")
    code, out, err = run(url, "db", "import", "citizens", str(source))
    assert code == 0 and "1 created" in out and "row 3: phone '12'" in err


def test_db_retention_follows_the_configuration(db_url: str) -> None:
    from datetime import datetime, timedelta, timezone

    store = open_store(db_url)
    old = store.record_interaction("sms", "in", at=datetime.now(timezone.utc) - timedelta(days=40), body="old")
    new = store.record_interaction("sms", "in", body="new")
    store.close()
    result = CliRunner().invoke(cli.main, ["db", "retention", "--json"],
                                env={"FSAPP_DATABASE_URL": db_url, "FSAPP_RETENTION_INTERACTIONS_DAYS": "30"})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["interactions"] == 1
    store = open_store(db_url)
    kept = {row["id"] for row in store.interactions(limit=10)}
    assert new in kept and old not in kept
    bad = CliRunner().invoke(cli.main, ["db", "retention"],
                             env={"FSAPP_DATABASE_URL": db_url, "FSAPP_RETENTION_RECORDINGS_DAYS": "-3"})
    assert bad.exit_code != 0 and "FSAPP_RETENTION_RECORDINGS_DAYS" in bad.output
