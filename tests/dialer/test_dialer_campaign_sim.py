"""Whole campaigns on the simulated switch: pacing limits, retry rules, modes, pause and restart safety."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from datetime import datetime, timedelta, timezone
from typing import Any

import gevent
from gevent.event import Event as Flag
from tests import timeline
from tests.dialer.dialer_helpers import numbers, write_list

from fsapp.dialer import CampaignRunner, CampaignStore, RunSummary
from fsapp.dialer.journal import AttemptJournal
from fsapp.sim import SimulatedSwitch
from fsapp.store.workflow import ManualClock
from fsapp.switch import Call, Switch

RUN_TIMEOUT = 30.0


def _run(runner: CampaignRunner) -> RunSummary:
    return gevent.spawn(runner.run).get(timeout=RUN_TIMEOUT)


def _max_overlap(attempts: list[dict[str, Any]]) -> int:
    edges = sorted([(a["started_at"], 1) for a in attempts] + [(a["ended_at"], -1) for a in attempts],
                   key=lambda edge: (edge[0], edge[1]))
    level = peak = 0
    for _, change in edges:
        level += change
        peak = max(peak, level)
    return peak


def test_mixed_list_respects_limits_and_retry_rules(make_campaign, campaigns: CampaignStore,
                                                    switch: Switch) -> None:
    behaviours = dict(zip(numbers(24), ["answer", "busy", "no_answer", "fail"] * 6))
    name = make_campaign("mixed", behaviours, max_concurrent=3, calls_per_second=20.0,
                         retry={"busy": {"delay": 0.3, "max": 3}, "no_answer": {"delay": 0.1, "max": 2},
                                "failed": {"delay": 0.1, "max": 1}})
    summary = _run(CampaignRunner(campaigns, switch, name, status_poll=0.2))
    info = campaigns.get(name)
    attempts = campaigns.attempt_rows(info.id)

    assert summary.stopped_because == "finished" and info.status == "finished"
    assert _max_overlap(attempts) <= 3
    starts = sorted(a["started_at"] for a in attempts)
    for index, start in enumerate(starts):
        assert sum(1 for s in starts[index:] if s < start + timedelta(seconds=1)) <= 20

    by_number: dict[str, list[dict[str, Any]]] = {}
    for attempt in attempts:
        by_number.setdefault(attempt["number"], []).append(attempt)
    expected = {"answer": (1, "reached", ""), "busy": (3, "busy", "USER_BUSY"),
                "no_answer": (2, "no_answer", "NO_ANSWER"), "fail": (1, "failed", "NORMAL_TEMPORARY_FAILURE")}
    for number, behaviour in behaviours.items():
        count, outcome, cause = expected[behaviour]
        rows = by_number[number]
        assert len(rows) == count, number
        assert {r["outcome"] for r in rows} == {outcome}
        if cause:
            assert {r["hangup_cause"] for r in rows} == {cause}
        if behaviour == "busy":
            gaps = [(b["started_at"] - a["ended_at"]).total_seconds() for a, b in zip(rows, rows[1:])]
            assert min(gaps) >= 0.3
    counts = campaigns.counts(info.id)
    assert counts["done:reached"] == 6 and counts["done:exhausted"] == 18


def test_nothing_is_dialed_outside_the_window(make_campaign, campaigns: CampaignStore, switch: Switch) -> None:
    name = make_campaign("night", dict.fromkeys(numbers(3), "answer"), windows={"mon-fri": "09:00-20:00"})
    monday = timeline.next_working(timeline.MONDAY, 9, city_closed=frozenset())   # no public holiday
    saturday_late = monday - timedelta(days=1, hours=10)
    clock = ManualClock(saturday_late)
    runner = CampaignRunner(campaigns, switch, name, clock=clock)
    runner.begin()
    wake_at = runner.step(clock())
    assert wake_at == monday
    assert runner.summary.started == 0
    clock.advance(seconds=(wake_at - clock()).total_seconds())
    runner.step(clock())
    assert runner.summary.started == 1
    assert runner.join(RUN_TIMEOUT)
    assert runner.summary.outcomes == {"reached": 1}


def test_restart_never_calls_a_reached_contact_twice(make_campaign, campaigns: CampaignStore, switch: Switch,
                                                     sim: SimulatedSwitch) -> None:
    name = make_campaign("restart", dict.fromkeys(numbers(12), "answer"), max_concurrent=4,
                         retry={"failed": {"delay": 0, "max": 2}})
    info = campaigns.get(name)
    now = datetime.now(timezone.utc)
    # A controller that stopped mid-run: two calls answered (one heard the message), one still ringing.
    lost = iter(range(3))
    claimed = campaigns.claim_batch(info.id, now, 3, lambda: f"lost-{next(lost)}")
    journal = AttemptJournal(campaigns.db)
    for attempt in claimed:
        journal.dialing(attempt, now)
    journal.answered(claimed[0], now)
    journal.answered(claimed[1], now)
    journal.close()
    # ... and one contact claimed in a batch but not dialed yet.
    (undialed,) = campaigns.claim_batch(info.id, now, 1, lambda: "never-dialed")
    dialed: list[str] = []
    original = switch.originate

    def counting(dial: str, variables: dict[str, str] | None = None, **options: Any) -> Call:
        dialed.append(dial.rsplit("/", 1)[-1])
        return original(dial, variables, **options)

    switch.originate = counting  # type: ignore[method-assign]
    summary = _run(CampaignRunner(campaigns, switch, name, status_poll=0.2))

    assert summary.reconciled == {"reached": 2, "lost": 1, "released": 1}
    assert claimed[0].number not in dialed and claimed[1].number not in dialed
    assert Counter(dialed)[claimed[2].number] == 1 and Counter(dialed)[undialed.number] == 1
    attempts = campaigns.attempt_rows(info.id)
    assert [a["attempt_no"] for a in attempts if a["number"] == undialed.number] == [1]   # not counted twice
    assert "never-dialed" not in {a["call_uuid"] for a in attempts}
    assert len(dialed) == 10 and len(set(dialed)) == 10
    assert campaigns.counts(info.id)["done:reached"] == 12


def test_pause_stops_dialing_and_resume_finishes(make_campaign, campaigns: CampaignStore, switch: Switch) -> None:
    name = make_campaign("pausing", dict.fromkeys(numbers(30), "answer"), max_concurrent=2, calls_per_second=10.0)
    four_done = Flag()
    ended: list[str] = []

    def count(claimed: Any, outcome: str, cause: str) -> None:
        ended.append(outcome)
        if len(ended) >= 4:
            four_done.set()

    runner = CampaignRunner(campaigns, switch, name, status_poll=0.05, on_attempt=count)
    job = gevent.spawn(runner.run)
    assert four_done.wait(RUN_TIMEOUT)
    campaigns.set_status(name, "paused")
    paused_at = datetime.now(timezone.utc) + timedelta(seconds=0.1)  # one status poll later
    assert runner.join(RUN_TIMEOUT)  # the calls in flight end; no new ones start
    started_while_paused = [a for a in campaigns.attempt_rows(campaigns.get(name).id) if a["started_at"] > paused_at]
    assert started_while_paused == []
    assert campaigns.counts(campaigns.get(name).id)["pending"] > 0
    campaigns.set_status(name, "running")
    summary = job.get(timeout=RUN_TIMEOUT)
    assert summary.stopped_because == "finished"
    assert campaigns.counts(campaigns.get(name).id)["done:reached"] == 30


def test_confirmation_and_machine_policy(make_campaign, campaigns: CampaignStore, switch: Switch,
                                         sim: SimulatedSwitch, tmp_path: Path) -> None:
    person, declines, silent, machine = numbers(4)
    name = make_campaign("confirm", {}, confirm=True, confirm_required=True, machine_detection=True,
                         machine_policy="retry", retry={"machine": {"delay": 0, "max": 2},
                                                        "unconfirmed": {"delay": 0, "max": 2}})
    # A key pressed while the message still plays is eaten by the playback (as on the real switch), and how
    # long that takes in simulated time depends on how busy the machine is: the person keys until asked.
    sim.add_endpoint(person, keys=[(6.0 + 3 * n, "1") for n in range(6)], answer_after=0.2)
    sim.add_endpoint(declines, keys=[(6.0 + 3 * n, "2") for n in range(6)], answer_after=0.2)
    sim.add_endpoint(silent, answer_after=0.2)
    sim.add_endpoint(machine, answer_after=0.2)
    _mark_machines(sim, {machine})
    path = write_list(tmp_path / "c.csv", [person, declines, silent, machine])
    campaigns.import_list(name, path)
    _run(CampaignRunner(campaigns, switch, name, status_poll=0.2))
    results = {c["number"]: (c["result"], c["attempts"], c["answer"])
               for c in campaigns.contact_rows(campaigns.get(name).id)}
    assert results[person] == ("acknowledged", 1, "1")
    assert results[declines] == ("declined", 1, "2")
    assert results[silent][:2] == ("exhausted", 2)
    assert results[machine][:2] == ("exhausted", 2)
    outcomes = Counter(a["outcome"] for a in campaigns.attempt_rows(campaigns.get(name).id))
    assert outcomes["machine"] == 2 and outcomes["unconfirmed"] == 2


def _mark_machines(sim: SimulatedSwitch, machine_numbers: set[str]) -> None:
    """Play the answering-machine detector: set amd_result on answer, as mod_amd does on a real switch."""
    core = sim.core
    add = core.add

    def add_and_mark(leg: Any) -> None:
        add(leg)
        if leg.profile.get("Destination-Number") in machine_numbers:
            leg.on_answer.insert(0, lambda: leg.set_vars([("amd_result", "MACHINE")]))

    core.add = add_and_mark  # type: ignore[method-assign]


def test_survey_answers_are_stored(make_campaign, campaigns: CampaignStore, switch: Switch,
                                   sim: SimulatedSwitch, tmp_path: Path) -> None:
    questions = [{"text": {"en": "How satisfied were you, 1 to 5?"}, "keys": "12345"},
                 {"text": {"en": "Was your case solved? 1 yes, 2 no"}, "keys": "12"}]
    (respondent,) = numbers(1)
    name = make_campaign("survey", {}, mode="survey", message={}, questions=questions)
    sim.add_endpoint(respondent, keys=[(3.0, "4"), (9.0, "1")], answer_after=0.2)
    campaigns.import_list(name, write_list(tmp_path / "s.csv", [respondent]))
    _run(CampaignRunner(campaigns, switch, name, status_poll=0.2))
    (contact,) = campaigns.contact_rows(campaigns.get(name).id)
    assert contact["result"] == "surveyed"
    assert contact["answer"] == {"q1": "4", "q2": "1"}


class CountingDesk:
    """An ACD stand-in with a fixed number of agents who each keep a call for ``talk`` seconds."""

    def __init__(self, agents: int, talk: float = 0.2) -> None:
        self.free = agents
        self.talk = talk
        self.connected: list[dict[str, Any]] = []

    def free_agents(self, queue: str) -> int:
        return self.free

    def connect(self, call: Call, queue: str, caller: dict[str, Any]) -> bool:
        if self.free == 0:
            return False
        self.free -= 1
        self.connected.append(caller)
        gevent.spawn_later(self.talk, self._release, call)
        return True

    def _release(self, call: Call) -> None:
        call.hangup()
        self.free += 1


def test_agent_mode_dials_only_for_free_agents(make_campaign, campaigns: CampaignStore, switch: Switch) -> None:
    name = make_campaign("agents", dict.fromkeys(numbers(12), "answer"), mode="agent", queue="building",
                         max_concurrent=10, dial_ratio=1.0)
    desk = CountingDesk(agents=2)
    runner = CampaignRunner(campaigns, switch, name, desk=desk, status_poll=0.1)
    peaks: list[int] = []
    originate = switch.originate

    def counted_originate(*args: Any, **kwargs: Any) -> Call:
        peaks.append(runner.active + (2 - desk.free))  # calls in flight (this one too) plus calls with agents
        return originate(*args, **kwargs)

    switch.originate = counted_originate  # type: ignore[method-assign]
    summary = _run(runner)
    assert summary.outcomes == {"connected": 12}
    assert max(peaks) <= 2  # calls in flight plus calls with agents never exceed the agents
    assert runner.progressive is not None and runner.progressive.abandon_rate == 0.0
    assert {c["origin"] for c in desk.connected} == {"campaign"}


def test_campaigns_dial_through_the_configured_gateway_and_caller_id(make_campaign, campaigns: CampaignStore,
                                                                    switch: Switch, sim: SimulatedSwitch) -> None:
    """A campaign naming no dial string or caller ID takes outbound: from fsapp.yaml; one that does keeps its own."""
    from fsapp.config import OutboundConfig
    from fsapp.esl.connection import ESLConnection

    watcher = ESLConnection(*sim.address, "ClueCon").connect()
    watcher.subscribe(["BACKGROUND_JOB"])
    outbound = OutboundConfig(gateway="telco", caller_id_number="+4721000000", caller_id_name="Servicetorget")
    try:
        plain = make_campaign("plain", dict.fromkeys(numbers(1), "answer"))
        _run(CampaignRunner(campaigns, switch, plain, status_poll=0.2, outbound=outbound))
        own = make_campaign("own", dict.fromkeys(numbers(1, start=5), "answer"),
                            dial_template="sofia/gateway/other/{number}", caller_id="+4721999999")
        _run(CampaignRunner(campaigns, switch, own, status_poll=0.2, outbound=outbound))
        jobs = [watcher.next_event(timeout=10).get("Job-Command-Arg") for _ in range(2)]
    finally:
        watcher.close()
    first, second = sorted(jobs, key=lambda arg: "other" in arg)
    assert f"}}sofia/gateway/telco/{numbers(1)[0]} &park()" in first
    assert "origination_caller_id_number=+4721000000" in first and "origination_caller_id_name=Servicetorget" in first
    assert f"}}sofia/gateway/other/{numbers(1, start=5)[0]} &park()" in second
    assert "origination_caller_id_number=+4721999999" in second
