"""The shipped case-status self-service, with a small in-test store that behaves like fsapp.store's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from cli import main
from fsapp.store.errors import InvalidReference, NotFound
from ivr_helpers import REPO, SATURDAY, TUESDAY_MORNING, load_valid, walk
from tests import timeline

FLOW = REPO / "ivr_scripts" / "main_menu.yaml"


@dataclass(frozen=True)
class Summary:
    reference: str
    status: str
    received_at: datetime
    deadline: datetime | None
    updated_at: datetime | None = None


@dataclass
class Caller:
    open_cases: tuple[Summary, ...] = ()


@dataclass
class FakeStore:
    cases: dict[str, Summary] = field(default_factory=dict)
    callers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def lookup_caller(self, number: str) -> Caller:
        return Caller(tuple(self.cases[r] for r in self.callers.get(number, ())))

    def case_status(self, reference: str) -> Summary:
        digits = reference.rstrip("#")
        if not digits.startswith("2"):
            raise InvalidReference(f"{reference!r} has a wrong check digit")
        if digits not in self.cases:
            raise NotFound(f"no case {reference}")
        return self.cases[digits]


RECEIVED = (timeline.RUN_START - timedelta(days=60)).replace(tzinfo=None)   # the permit case
UPDATED = RECEIVED + timedelta(days=46)
DEADLINE = RECEIVED + timedelta(days=86)
REPORTED = RECEIVED + timedelta(days=55)   # the pothole


def nb_date(moment: datetime) -> str:
    return f"{moment.day}. {timeline.NB_MONTHS[moment.month - 1]} {moment.year}"


def en_date(moment: datetime) -> str:
    return f"{timeline.EN_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def _store() -> FakeStore:
    permit = Summary("24000013", "in_progress", RECEIVED, DEADLINE, updated_at=UPDATED)
    pothole = Summary("24000021", "received", REPORTED, None)
    return FakeStore({c.reference: c for c in (permit, pothole)}, {"+4790000000": ("24000013", "24000021")})


def test_known_caller_keys_a_case_number_then_hears_their_other_open_cases() -> None:
    path, lines = walk(load_valid(FLOW), keys=["8", "7", "24000013#", "0"], store=_store(), language="nb")
    spoken = "\n".join(lines)
    assert f"Sak 2 4 0 0 0 0 1 3 er under behandling. Sist oppdatert {nb_date(UPDATED)}. Forventet ferdig " \
           f"{nb_date(DEADLINE)}." in spoken
    assert "Du har 1 andre åpne saker." in spoken
    assert "Sak 2 4 0 0 0 0 2 1 er mottatt." in spoken and "Vi har ikke en forventet dato ennå." in spoken
    assert path.nodes.count("read_case") == 1 and path.nodes.index("read_case") < path.nodes.index("read_open_cases")
    assert (path.outcome, path.detail) == ("queue", "operator")


def test_unknown_caller_hears_only_the_case_keyed_in_english() -> None:
    path, lines = walk(load_valid(FLOW), keys=["7", "24000021#", "2", "0"], store=_store(), caller="+4711111111",
                       language="en")
    assert "read_open_cases" not in path.nodes
    assert f"[say en] Case 2 4 0 0 0 0 2 1 is received. Last updated {en_date(REPORTED)}. We do not have an " \
           "expected date yet." in lines


def test_spoken_case_number_and_invalid_or_unknown_numbers() -> None:
    flow = load_valid(FLOW)
    path, lines = walk(flow, says=["status update", "two four zero zero zero zero nine nine"], keys=["1", "14000013#"],
                       store=_store(), caller="+4711111111", language="en")
    assert "[say en] We found no case with that number." in lines
    assert "[say en] That case number is not valid. A digit may have been mistyped." in lines


def test_store_failure_sends_the_caller_to_the_operator() -> None:
    path, _ = walk(load_valid(FLOW), keys=["7", "24000013#"], store=None, at=TUESDAY_MORNING)
    assert (path.outcome, path.detail) == ("queue", "operator")
    assert "case_status.lookup_case" in path.errors[0]


def test_simulate_cli_non_interactive() -> None:
    result = CliRunner().invoke(main, ["ivr", "simulate", str(FLOW), "--keys", "", "--say", "health and care",
                                       "--lang", "en", "--at", TUESDAY_MORNING.isoformat()])
    assert result.exit_code == 0, result.output
    assert "[say en] Welcome to the city service centre." in result.output
    assert "   said: health and care" in result.output
    assert result.output.strip().splitlines()[-2] == "outcome: queue care"


def test_simulate_cli_interactive_reads_answers() -> None:
    result = CliRunner().invoke(main, ["ivr", "simulate", str(FLOW), "--at", SATURDAY.isoformat(), "--json"],
                                input="2\n1\n")
    assert result.exit_code == 0, result.output
    assert '"outcome": "callback"' in result.output
    assert '"detail": "+4790000000"' in result.output


@pytest.mark.parametrize(("key", "language", "hold"), [
    ("1", "nb", "Et øyeblikk, du settes over til en saksbehandler."),
    ("2", "da", "Et øjeblik, du bliver stillet videre til en sagsbehandler."),
    ("3", "fi", "Hetkinen, yhdistän sinut käsittelijälle."),
    ("4", "pl", "Chwileczkę, łączę z urzędnikiem."),
    ("5", "zh", "请稍候，正在为您转接办理人员。"),
    ("6", "en", "One moment, we are putting you through to a case officer."),
])
def test_the_shipped_menu_serves_each_language_of_the_center(key: str, language: str, hold: str) -> None:
    path, lines = walk(load_valid(FLOW), keys=["*", key, "1"], store=_store())
    assert (path.language, path.outcome, path.detail) == (language, "queue", "building")
    assert lines[-1] == f"[say {language}] {hold}" or f"[say {language}] {hold}" in lines


def test_case_status_is_read_in_the_callers_language() -> None:
    path, lines = walk(load_valid(FLOW), keys=["*", "5", "7", "24000013#", "0"], store=_store())
    spoken = "\n".join(lines)
    assert f"[say zh] 案件2 4 0 0 0 0 1 3正在办理。最近更新于{UPDATED.year}年{UPDATED.month}月{UPDATED.day}日。" \
           f"预计{DEADLINE.year}年{DEADLINE.month}月{DEADLINE.day}日完成。" in spoken
    assert "您另有1件未结案件。" in spoken
