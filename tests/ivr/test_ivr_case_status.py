"""The shipped case-status self-service, with a small in-test store that behaves like fsapp.store's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from click.testing import CliRunner

from cli import main
from fsapp.store.errors import InvalidReference, NotFound
from ivr_helpers import REPO, TUESDAY_MORNING, load_valid, walk

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


def _store() -> FakeStore:
    permit = Summary("24000013", "in_progress", datetime(2026, 1, 5), datetime(2026, 4, 1),
                     updated_at=datetime(2026, 2, 20))
    pothole = Summary("24000021", "received", datetime(2026, 3, 1), None)
    return FakeStore({c.reference: c for c in (permit, pothole)}, {"+4790000000": ("24000013", "24000021")})


def test_known_caller_keys_a_case_number_then_hears_their_other_open_cases() -> None:
    path, lines = walk(load_valid(FLOW), keys=["8", "7", "24000013#", "0"], store=_store(), language="nb")
    spoken = "\n".join(lines)
    assert "Sak 2 4 0 0 0 0 1 3 er under behandling. Sist oppdatert 20. februar 2026. Forventet ferdig " \
           "1. april 2026." in spoken
    assert "Du har 1 andre åpne saker." in spoken
    assert "Sak 2 4 0 0 0 0 2 1 er mottatt." in spoken and "Vi har ikke en forventet dato ennå." in spoken
    assert path.nodes.count("read_case") == 1 and path.nodes.index("read_case") < path.nodes.index("read_open_cases")
    assert (path.outcome, path.detail) == ("queue", "operator")


def test_unknown_caller_hears_only_the_case_keyed_in_english() -> None:
    path, lines = walk(load_valid(FLOW), keys=["7", "24000021#", "2", "0"], store=_store(), caller="+4711111111",
                       language="en")
    assert "read_open_cases" not in path.nodes
    assert "[say en] Case 2 4 0 0 0 0 2 1 is received. Last updated March 1, 2026. We do not have an expected " \
           "date yet." in lines


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
                                       "--lang", "en", "--at", "2026-03-03T10:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "[say en] Welcome to the city service centre." in result.output
    assert "   said: health and care" in result.output
    assert result.output.strip().splitlines()[-2] == "outcome: queue care"


def test_simulate_cli_interactive_reads_answers() -> None:
    result = CliRunner().invoke(main, ["ivr", "simulate", str(FLOW), "--at", "2026-03-07T12:00+01:00", "--json"],
                                input="2\n1\n")
    assert result.exit_code == 0, result.output
    assert '"outcome": "callback"' in result.output
    assert '"detail": "+4790000000"' in result.output
