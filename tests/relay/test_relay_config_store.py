"""Direct numbers in the agents file, away notes in the store, and `fsapp agent away/back`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from fsapp.acd.errors import AcdConfigError
from fsapp.acd.loader import load_acd_config, parse_acd_config
from fsapp.store import open_store
from fsapp.store.errors import StoreError
from tests import timeline

ROOT = Path(__file__).resolve().parents[2]
NOW = timeline.next_weekday(timeline.MONDAY, 9, tz=timezone.utc)

AGENTS = """queues:
  taxes: {}
agents:
  marte:
    contact: user/1012
    queues: [taxes]
    direct_number: "+4722001012"
"""


def test_direct_number_and_relay_queue_are_read() -> None:
    agent = parse_acd_config(AGENTS + "    relay_queue: taxes\n").agents["marte"]
    assert (agent.direct_number, agent.relay_queue) == ("+4722001012", "taxes")
    shipped = load_acd_config(ROOT / "conf" / "acd.yaml").agents
    assert shipped["marte"].direct_number == "+4722001012"


@pytest.mark.parametrize(("extra", "line", "message"), [
    ("    relay_queue: roads\n", 8, "agents.marte.relay_queue: unknown queue 'roads'"),
    ("  lars:\n    contact: user/1004\n    direct_number: '+4722001012'\n", 10,
     "agents.lars.direct_number: +4722001012 is already agent 'marte''s number"),
    ("  lars:\n    contact: user/1004\n    direct_number: '4722001012'\n", 10,
     "agents.lars.direct_number: 4722001012 is already agent 'marte''s number"),
    ("  lars:\n    contact: user/1004\n    direct_number: 22-00-10-04\n", 10,
     "agents.lars.direct_number: expected digits with an optional leading +"),
])
def test_bad_direct_numbers_are_refused_with_file_and_line(extra: str, line: int, message: str) -> None:
    with pytest.raises(AcdConfigError) as caught:
        parse_acd_config(AGENTS + extra, "acd.yaml")
    assert caught.value.located().startswith(f"acd.yaml:{line}: {message}")


@pytest.fixture
def store(tmp_path: Path):
    clock = {"now": NOW}
    store = open_store(f"sqlite:///{tmp_path / 'fsapp.db'}", clock=lambda: clock["now"])
    store.test_clock = clock  # type: ignore[attr-defined]
    yield store
    store.close()


def test_an_away_note_is_set_replaced_and_cleared(store) -> None:
    store.set_away("marte", until=NOW + timedelta(days=1), note="Course", set_by="hr")
    store.set_away("marte", until=NOW + timedelta(hours=3), note=" Dentist ")
    away = store.away_note("marte")
    assert (away.note, away.until, away.set_by) == ("Dentist", NOW + timedelta(hours=3), "")
    assert store.away_note("lars") is None
    assert store.clear_away("marte") is True
    assert store.away_note("marte") is None
    assert store.clear_away("marte") is False


def test_a_note_whose_time_has_passed_is_not_in_force(store) -> None:
    store.set_away("marte", until=NOW + timedelta(hours=1), note="Meeting")
    assert store.away_note("marte", at=NOW + timedelta(minutes=59)) is not None
    store.test_clock["now"] = NOW + timedelta(hours=1)
    assert store.away_note("marte") is None
    assert store.away_note("marte", at=NOW) is not None


def test_a_note_without_an_end_stays_until_cleared(store) -> None:
    store.set_away("marte", note="Parental leave")
    assert store.away_note("marte", at=NOW + timedelta(days=300)).until is None


def test_an_away_time_must_be_in_the_future_and_zoned(store) -> None:
    with pytest.raises(StoreError, match="already passed"):
        store.set_away("marte", until=NOW - timedelta(minutes=1))
    with pytest.raises(StoreError, match="time zone"):
        store.set_away("marte", until=(NOW + timedelta(days=30)).replace(tzinfo=None))


def test_agent_away_and_back_on_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    config = ["--config", str(ROOT / "conf" / "fsapp.yaml")]
    until = timeline.next_date(11, 24, 8, 0, after=timeline.RUN_START + timedelta(days=1))   # winter: +01:00
    result = runner.invoke(main, [*config, "agent", "away", "MARTE", "--until", f"{until:%Y-%m-%dT%H:%M}",
                                  "--note", "Course", "--db", url, "--actor", "hr"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"marte: away until {until:%Y-%m-%dT%H:%M}+01:00 (Course)"
    store = open_store(url)
    away = store.away_note("marte")
    assert (away.note, away.until, away.set_by) == ("Course", until.astimezone(timezone.utc), "hr")
    result = runner.invoke(main, [*config, "agent", "back", "marte", "--db", url])
    assert result.output.strip() == "marte: back"
    assert store.away_note("marte") is None
    result = runner.invoke(main, [*config, "agent", "away", "nobody", "--db", url])
    assert result.exit_code != 0 and "no agent 'nobody'" in result.output
    result = runner.invoke(main, [*config, "agent", "away", "marte", "--until", "tomorrow", "--db", url])
    assert result.exit_code != 0 and "expected e.g. 2026-11-24T08:00" in result.output
