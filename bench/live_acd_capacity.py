"""The ACD on a real FreeSWITCH: SIPp callers at given rates into one queue, through fsapp and, in the same run,
through FreeSWITCH's own mod_callcenter with the same agents. Run by hand against a live switch:

    FSAPP_TEST_FREESWITCH=127.0.0.1:8021:ClueCon python bench/live_acd_capacity.py [--rates 40,80] [--seconds 15]
        [--agents 250] [--talk 2] [--only fsapp|callcenter] [--command-connections 1] [--caller-rtp]
        [--overload-after S] [--overload-wait S] [--controller-cpu 0] [--controller-fifo N] [--switch-sps 500]
        [--profile FILE]

Callers dial a published number whose flow goes straight into one queue (fsapp), or a number whose dial plan runs
``callcenter`` (mod_callcenter); they send no RTP, or with ``--caller-rtp`` speech in 20 ms packets from their
answer on, as phones do. The ``--agents`` agents, all logged in, are one SIPp UAS that answers at once and hangs
up ``--talk`` seconds after its ACK. A call succeeds when the caller is bridged to an agent and then gets the
switch's BYE. A caller fsapp's overload guard has no room for (``--overload-after``, fsapp's
``switch.overload_after``; 0: off) rings at the door, unanswered, for up to ``--overload-wait`` seconds
(``switch.overload_wait``); one turned away then gets a 503, acknowledges it and counts as refused (the
controller's outcomes). For each rate and each queue: success rate, agent legs answered but never bridged,
operators fsapp put on break for calls they never took (and back for the next rate), CPU per call of fsapp's
controller process (user + system, from the first park to the last finished call), of the switch process and of
the SIPp phones over the callers' run, the rig's (the three together) and the cores that asks for at the offered
rate, agent answer -> bridge latency (p50, p99) and each caller's arrival -> answer, from the switch's own event
times.

The switch must run on this machine with its stock configuration (as for tests/live): fsapp's pieces are rendered
and installed as the live suite does; the bench writes mod_callcenter's queue and agents into
``autoload_configs/callcenter.conf.xml`` and a dial-plan extension into ``dialplan/public/``, loads
mod_callcenter, raises ``sessions-per-second`` to 500 (``--switch-sps``, fsapp's ``switch.calls_per_second`` too),
and undoes all of it at the end. The controller runs in a process of its own pinned to core ``--controller-cpu``
(0; -1: not pinned), with ``--command-connections`` Event Socket connections for its commands
(``switch.command_connections``; 0: commands share the event connection) and, with ``--controller-fifo N``,
SCHED_FIFO at priority N as the switch's own threads run. Prints one JSON line. Without FSAPP_TEST_FREESWITCH it
prints that it was skipped. On a switch others use, wrap the run in your site's lock (``flock``). mod_callcenter
at 80 calls/s crashed the switch once (a segfault in mod_callcenter.so): ``--rates 40`` for it on a switch others
use.

Measured on the 2-core machine, 20 s per rate, 250 agents talking 2 s (README, *Benchmarks*): at 40 calls/s fsapp
100 % (controller 3.0-4.0 ms per queued call, mean 3.5 ms over twenty runs, the same pinned to either core or not
pinned, SCHED_FIFO or not; agent-answer -> bridge p50 60 ms, p99 60-80 ms, the switch 30-36 ms per call) against
mod_callcenter 100 % in the same run (p50 40 ms, p99 60 ms, the switch 32 ms per call); at 60 calls/s fsapp alone
100 % (2.7-2.9 ms, p99 80 ms, the switch 28-29 ms per call) against mod_callcenter alone 99.2 % (p99 380 ms, the
switch 35 ms per call). A call costs the rig about 35 ms at 40 calls/s (switch 30.5, controller 3.6, SIPp 0.8;
mod_callcenter's switch the same 30.5): 80 calls/s ask for 2.8 cores. At 80 calls/s the switch falls behind (its
commands take over a second): the overload guard (1 s) lets new callers in at the pace the switch carries and
keeps the others ringing at the door (5 s at most), 70-91 % served over 20 s and 56-72 % over 40 s with nobody
lost, where the earlier guard that turned those callers away at once served 72-87 % (as much, within the spread)
and 45 %, and no guard 15-51 % (targets: 80 calls/s at 99 % not met on this machine; 3 ms per call met at 60
calls/s and above, not at 40; bridge p99 < 100 ms met).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import re
import resource
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import cpu_seconds, pin_to_cpu, start_profile, stop_profile  # noqa: E402

FSAPP_NUMBER, CALLCENTER_NUMBER = "6000", "6100"
AGENT_PORT, CALLER_PORT = 5390, 5360
CALLER_PATIENCE_MS = 60_000   # a caller not bridged and hung up by then (plus the talk) counts as failed
CC_QUEUE = "fsapp_bench@default"
CC_CONF = "autoload_configs/callcenter.conf.xml"
CC_DIALPLAN = "dialplan/public/00_fsapp_bench_callcenter.xml"
QUEUE_FLOW = """name: bench_queue
default_language: en
languages: [en]
start: queue
nodes:
  queue: {kind: queue, queue: capacity}
"""


def agent_contact(index: int) -> str:
    return f"sofia/internal/cap{index:04d}@127.0.0.1:{AGENT_PORT}"


def agents_scenario(talk_ms: int) -> str:
    """The agents' phones: answer at once, hang up ``talk_ms`` after the ACK (the live suite's answering phone)."""
    from tests.live import scenarios

    return scenarios.phone_answers(ring=0, hangup_after=talk_ms)


def acd_yaml(agents: int) -> str:
    lines = ["queues:", "  capacity:", "    strategy: longest-idle", "    hold_music: local_stream://moh",
             "    record: false", "    wrap_up: 0", "    reoffer_delay: 0", "    announce: {every: 0}", "agents:"]
    for index in range(agents):
        lines += [f"  cap{index:04d}:", f"    contact: {agent_contact(index)}", "    queues: [capacity]"]
    return "\n".join(lines) + "\n"


def callcenter_conf(agents: int) -> str:
    rows = [f'    <agent name="cap{index:04d}" type="callback" contact="{agent_contact(index)}" status="Available" '
            'max-no-answer="0" wrap-up-time="0" reject-delay-time="0" busy-delay-time="0" '
            'no-answer-delay-time="0"/>' for index in range(agents)]
    tiers = [f'    <tier agent="cap{index:04d}" queue="{CC_QUEUE}" level="1" position="1"/>' for index in range(agents)]
    return f"""<configuration name="callcenter.conf" description="CallCenter (fsapp bench)">
  <settings/>
  <queues>
    <queue name="{CC_QUEUE}">
      <param name="strategy" value="longest-idle-agent"/>
      <param name="moh-sound" value="local_stream://moh"/>
      <param name="time-base-score" value="system"/>
      <param name="max-wait-time" value="0"/>
      <param name="max-wait-time-with-no-agent" value="0"/>
      <param name="tier-rules-apply" value="false"/>
      <param name="discard-abandoned-after" value="60"/>
    </queue>
  </queues>
  <agents>
{chr(10).join(rows)}
  </agents>
  <tiers>
{chr(10).join(tiers)}
  </tiers>
</configuration>
"""


def callcenter_dialplan() -> str:
    return f"""<include>
  <extension name="fsapp_bench_callcenter">
    <condition field="destination_number" expression="^{CALLCENTER_NUMBER}$">
      <action application="answer"/>
      <action application="callcenter" data="{CC_QUEUE}"/>
      <action application="hangup"/>
    </condition>
  </extension>
</include>
"""


# -- fsapp's controller, in a process of its own --------------------------------------------------------------

def fsapp_controller(config_path: str, agents: int, out: Any, control: Any, fifo: int, profile_path: str,
                     cpu: int = 0) -> None:
    if cpu >= 0:
        pin_to_cpu(cpu)
    if fifo:   # the switch's own threads run SCHED_FIFO: without it, a busy switch leaves the controller no CPU
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(fifo))
    import logging

    from fsapp.acd.states import AgentState
    from fsapp.config import load_config
    from fsapp.controller import Controller

    logging.basicConfig(level=os.environ.get("FSAPP_BENCH_LOG", "WARNING"))
    controller = Controller(load_config(Path(config_path), env={}))
    state: dict[str, Any] = {"done": 0, "cpu0": None, "cpu1": None, "outcomes": {}}
    original = controller._recorded

    def counted(summary: Any) -> None:   # the call's row is in the store (the call log writes in batches)
        original(summary)
        outcome = summary.queue_outcome or summary.path.outcome
        state["outcomes"][outcome] = state["outcomes"].get(outcome, 0) + 1
        state["done"] += 1
        state["cpu1"] = cpu_seconds()

    def first_park(event: Any, _channel: Any) -> None:
        if state["cpu0"] is None and event.name == "CHANNEL_PARK":
            state["cpu0"] = cpu_seconds()

    controller._recorded = counted   # type: ignore[method-assign]
    controller.start()
    controller.switch.listen(first_park)
    controller.switch.wait_connected(30)
    assert controller.acd.reconciled.wait(30), "the ACD did not reconcile with the switch"
    for agent in controller.acd_config.agents:
        controller.acd.agent_login(agent)
    out.put("ready")
    profile = start_profile(profile_path)   # the hub's thread, over the first rate's run
    import gevent
    while True:   # one report per run the parent asks for, until it says stop
        while control.empty():
            gevent.sleep(0.2)
        if control.get() == "stop":
            break
        spent = (state["cpu1"] or 0.0) - (state["cpu0"] or 0.0)
        stop_profile(profile, profile_path)
        profile = None
        on_break = [agent.id for agent in controller.acd.router.agents.values() if agent.state is AgentState.BREAK]
        for agent_id in on_break:   # put on break for calls they were never offered: back for the next run
            controller.acd.agent_ready(agent_id)
        out.put({"finished": state["done"], "outcomes": state["outcomes"], "cpu_s": round(spent, 3),
                 "agents_put_on_break": len(on_break)})
        state.update(done=0, cpu0=None, cpu1=None, outcomes={})
    controller.stop()


# -- the observer: the switch's own event times ---------------------------------------------------------------

class Observer:
    """Answer, bridge and hangup events of the callers (by number) and the agent legs (outbound)."""

    def __init__(self, address: tuple[str, int, str], number: str) -> None:
        import gevent

        from fsapp.esl.connection import ESLConnection

        self.number = number
        self.connection = ESLConnection(*address).connect()
        self.connection.subscribe(["CHANNEL_ANSWER", "CHANNEL_PARK", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE"])
        self.callers: set[str] = set()
        self.bridged_callers: set[str] = set()
        self.agent_answers: dict[str, int] = {}
        self.latencies: list[float] = []
        self.rang: list[float] = []   # each caller's arrival -> answer
        self.to_park: list[float] = []   # fsapp's agent legs park once answered: the switch's part of the wait
        self.agent_legs: set[str] = set()
        self.bridged_agents: set[str] = set()
        self.reader = gevent.spawn(self._read)

    def _read(self) -> None:
        for event in self.connection.iter_events():
            stamp = int(event.get("Event-Date-Timestamp") or 0)
            direction = event.get("Call-Direction")
            if event.name == "CHANNEL_ANSWER":
                if direction == "inbound" and event.get("Caller-Destination-Number") == self.number:
                    self.callers.add(event.uuid)
                    created = int(event.get("Caller-Channel-Created-Time") or stamp)
                    self.rang.append((stamp - created) / 1000.0)   # at the door of an overloaded switch: longer
                elif direction == "outbound" and (event.get("Caller-Destination-Number") or "").startswith("cap"):
                    self.agent_answers[event.uuid] = stamp
                    self.agent_legs.add(event.uuid)
            elif event.name == "CHANNEL_PARK" and event.uuid in self.agent_answers:
                self.to_park.append((stamp - self.agent_answers[event.uuid]) / 1000.0)
            elif event.name == "CHANNEL_BRIDGE":
                legs = {event.uuid, event.get("Other-Leg-Unique-ID") or ""}
                for leg in legs & self.agent_legs:
                    self.bridged_agents.add(leg)
                    answered = self.agent_answers.pop(leg, None)
                    if answered is not None:
                        self.latencies.append((stamp - answered) / 1000.0)
                self.bridged_callers |= legs & self.callers

    def close(self) -> dict[str, Any]:
        self.reader.kill()
        self.connection.close()
        return {"callers_answered": len(self.callers), "callers_bridged": len(self.bridged_callers),
                "agents_answered": len(self.agent_legs),
                "agents_answered_not_bridged": len(self.agent_legs - self.bridged_agents),
                "agent_answer_to_bridge_ms": spread(self.latencies), "caller_arrival_to_answer_ms": spread(self.rang),
                **({"agent_answer_to_park_ms": spread(self.to_park)} if self.to_park else {})}


def spread(values: list[float]) -> dict[str, float] | None:
    """Median, 99th percentile and maximum of some milliseconds."""
    ordered = sorted(values)
    if not ordered:
        return None
    return {"p50": round(statistics.median(ordered), 1), "p99": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
            "max": round(ordered[-1], 1), "samples": len(ordered)}


# -- one run --------------------------------------------------------------------------------------------------

def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time process ``pid`` has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ended_children_cpu_seconds() -> float:
    """User plus system CPU time of this process's children that have ended and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuSpan:
    """CPU spent over one run by the switch and the SIPp phones, each from its own process's account (the
    machine-wide counts of /proc/stat, sampled at each clock tick, came out below the switch's own CPU time in
    one run at 60 calls/s: they are not used)."""

    def __init__(self, switch_pid: int, sipp_pids: list[int]) -> None:
        self.switch_pid, self.sipp_pids = switch_pid, sipp_pids
        self.start = self._now()

    def _now(self) -> tuple[float, float]:
        return process_cpu_seconds(self.switch_pid), sum(map(process_cpu_seconds, self.sipp_pids))

    def per_call(self, calls: int, callers_cpu: float) -> dict[str, float]:
        """ms per call of each. ``callers_cpu``: the callers' SIPp, which has ended."""
        switch, sipp = (now - then for now, then in zip(self._now(), self.start))
        return {"switch_cpu_ms_per_call": round(switch * 1000 / calls, 2),
                "sipp_cpu_ms_per_call": round((sipp + callers_cpu) * 1000 / calls, 2)}


def with_rig_cost(result: dict[str, Any], controller_ms: float = 0.0) -> dict[str, Any]:
    """Add what a call cost the whole rig (switch, SIPp phones, fsapp's controller when it drove the queue) and
    the cores that cost asks for at the offered rate."""
    rig = result["switch_cpu_ms_per_call"] + result["sipp_cpu_ms_per_call"] + controller_ms
    result["rig_cpu_ms_per_call"] = round(rig, 2)
    result["cores_at_rate"] = round(rig * result["rate_per_s"] / 1000, 2)
    return result


def sipp_counts(stat_file: Path) -> dict[str, int]:
    """Successful and failed calls from the last line of SIPp's statistics file."""
    lines = [line for line in stat_file.read_text(errors="replace").splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    header, last = lines[0].split(";"), lines[-1].split(";")
    values = dict(zip(header, last))
    return {"successful": int(values.get("SuccessfulCall(C)", 0)), "failed": int(values.get("FailedCall(C)", 0))}


def run_load(bench: Any, number: str, calls: int, rate: float, name: str) -> dict[str, Any]:
    from tests.live import scenarios
    from tests.live.livekit import TRUNKS_PORT

    observer = Observer(bench.address, number)
    span = CpuSpan(bench.switch_pid, [bench.sipp.process("agents").pid])
    stat = bench.sipp.work / f"{name}_stat.csv"
    started = time.monotonic()
    media = [(0, bench.caller_rtp)] if bench.caller_rtp is not None else []
    patience = CALLER_PATIENCE_MS + bench.talk_ms   # the caller's last wait, for the BYE, holds the talk too
    script = scenarios.caller(number, media=media, refusable=True).replace('timeout="180000"',
                                                                            f'timeout="{patience}"')
    caller = bench.sipp.run(name, script, "-r", str(rate), "-rp", "1000", "-trace_stat",
                            "-stf", str(stat), "-fd", "1", remote=f"127.0.0.1:{TRUNKS_PORT}",
                            port=CALLER_PORT, calls=calls, at_once=3000)
    ended_cpu = ended_children_cpu_seconds()
    status = bench.sipp.finish(caller, 600)
    wall = time.monotonic() - started
    cpu = span.per_call(calls, ended_children_cpu_seconds() - ended_cpu)   # the callers' SIPp, now reaped
    seen = observer.close()
    counts = sipp_counts(stat)
    succeeded = min(seen["callers_bridged"], counts.get("successful", 0))
    return {"calls": calls, "rate_per_s": rate, "sipp_exit": status, "sipp": counts, **seen,
            "success_rate": round(succeeded / calls, 4), "wall_s": round(wall, 1),
            **cpu}


class Bench:
    """The installed switch configuration, SIPp, the agents' UAS and (for fsapp) the controller process."""

    def __init__(self, address: tuple[str, int, str], agents: int, talk_ms: int, command_connections: int,
                 overload_after: float | None = None, overload_wait: float | None = None, sps: int = 500) -> None:
        import yaml
        from click.testing import CliRunner

        from cli import main as cli_main
        from tests.live.conftest import PASSWORDS, LiveSetup
        from tests.live.livekit import Sipp, SwitchConf, live_settings, prepare_work_dir

        self.address, self.agents, self.talk_ms, self.sps = address, agents, talk_ms, sps
        self.work = Path(tempfile.mkdtemp(prefix="fsapp-live-acd-"))
        prepare_work_dir(self.work, PASSWORDS)
        (self.work / "flows" / "live_menu.yaml").unlink()   # the suite's menu names the suite's queue
        (self.work / "flows" / "bench_queue.yaml").write_text(QUEUE_FLOW)
        (self.work / "acd.yaml").write_text(acd_yaml(agents))
        settings = live_settings(address, self.work)
        settings["ivr"]["entries"] = {"main": "bench_queue"}
        settings["acd"]["file"] = str(self.work / "acd.yaml")
        settings["switch"]["calls_per_second"] = sps
        settings["switch"]["command_connections"] = command_connections
        if overload_after is not None:
            settings["switch"]["overload_after"] = overload_after
        if overload_wait is not None:
            settings["switch"]["overload_wait"] = overload_wait
        self.config_path = self.work / "fsapp.yaml"
        self.config_path.write_text(yaml.safe_dump(settings))
        conf_dir = Path(self.api("global_getvar conf_dir").strip())
        self.live = LiveSetup(address, self.work, self.config_path, SwitchConf(conf_dir, self.api), self.work)
        for step in (("db", "migrate"), ("conf", "render", "--out", str(self.work / "rendered"))):
            result = CliRunner().invoke(cli_main, ["--config", str(self.config_path), *step], env={})
            assert result.exit_code == 0, result.output
        self.switch_pid = int((Path(self.api("global_getvar run_dir").strip()) / "freeswitch.pid").read_text())
        self.limit = int(re.search(r"out of max (\d+)", self.api("status"))[1])
        self.caller_rtp: Path | None = None   # what callers play from their answer on (--caller-rtp)
        switch_conf = (conf_dir / "autoload_configs" / "switch.conf.xml").read_text()
        found = re.search(r'<param name="loglevel" value="(\w+)"', switch_conf)
        self.loglevel = found[1] if found else "debug"   # put back after the run (none given would disable logging)
        self.sipp = Sipp(self.work / "sipp")

    def api(self, command: str) -> str:
        from fsapp.esl.connection import ESLConnection

        connection = ESLConnection(*self.address).connect()
        try:
            return connection.api(command)
        finally:
            connection.close()

    def install(self) -> None:
        conf = self.live.conf
        conf.install(self.work / "rendered")
        for relative, text in ((CC_CONF, callcenter_conf(self.agents)), (CC_DIALPLAN, callcenter_dialplan())):
            conf._keep(conf.conf_dir / relative)
            (conf.conf_dir / relative).write_text(text)
        assert "+OK" in self.api("reloadxml")
        self.api(f"fsctl sps {self.sps}")
        self.api("fsctl loglevel warning")   # as in production: the stock debug level costs the switch more
        self.sipp.run("agents", agents_scenario(self.talk_ms), port=AGENT_PORT,
                      calls=1_000_000, at_once=5000)

    def undo(self) -> None:
        """Take back what :meth:`install` did, each step whatever became of the others (a switch that died
        under load still gets its files back, and the agents' SIPp is still stopped)."""
        steps = (lambda: self.api("unload mod_callcenter"), self.sipp.stop_all,
                 lambda: self.api("hupall NORMAL_CLEARING fsapp_role agent"),   # agents' legs left parked
                 lambda: self.api(f"fsctl sps {self.limit}"), lambda: self.api(f"fsctl loglevel {self.loglevel}"),
                 self.live.conf.undo)
        for step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - report it and go on putting the switch back
                print(f"undo: {exc}", file=sys.stderr)


def measure_fsapp(bench: Bench, rates: list[float], seconds: float, fifo: int,
                  profile_path: str = "", cpu: int = 0) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    out, control = context.Queue(), context.Queue()
    process = context.Process(target=fsapp_controller,
                              args=(str(bench.config_path), bench.agents, out, control, fifo, profile_path, cpu))
    process.start()
    results = []
    try:
        assert _from(process, out, 120) == "ready"
        for rate in rates:
            calls = int(rate * seconds)
            result = run_load(bench, FSAPP_NUMBER, calls, rate, f"fsapp_{int(rate)}")
            time.sleep(3)   # the last calls' records: the controller reports once they are written
            control.put("report")
            controller = _from(process, out, 120)
            result["controller"] = controller
            result["controller_cpu_ms_per_call"] = round(controller["cpu_s"] * 1000 / max(1, controller["finished"]), 2)
            results.append(with_rig_cost(result, result["controller_cpu_ms_per_call"]))
    finally:
        control.put("stop")
        process.join(60)
        if process.is_alive():
            process.terminate()
    return results


def _from(process: Any, out: Any, timeout: float) -> Any:
    """The controller's next message; fails at once when the controller process has died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return out.get(timeout=1)
        except queue.Empty:
            assert process.is_alive(), "fsapp's controller died (see its output above)"
    raise AssertionError(f"no word from fsapp's controller within {timeout} s")


def measure_callcenter(bench: Bench, rates: list[float], seconds: float) -> list[dict[str, Any]]:
    reply = bench.api("load mod_callcenter")
    assert "+OK" in reply, reply
    return [with_rig_cost(run_load(bench, CALLCENTER_NUMBER, int(rate * seconds), rate, f"callcenter_{int(rate)}"))
            for rate in rates]


def _stop(signum: int, _frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="40,80", help="calls placed per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=15.0, help="how long each rate is offered")
    parser.add_argument("--agents", type=int, default=250)
    parser.add_argument("--talk", type=float, default=2.0, help="seconds each agent talks after the ACK")
    parser.add_argument("--only", choices=("fsapp", "callcenter"), default="")
    parser.add_argument("--controller-fifo", type=int, default=0,
                        help="run fsapp's controller SCHED_FIFO at this priority, as the switch's threads run (0: not)")
    parser.add_argument("--controller-cpu", type=int, default=0,
                        help="the core fsapp's controller is pinned to (-1: not pinned)")
    parser.add_argument("--caller-rtp", action="store_true",
                        help="callers send RTP from their answer on (7 s of speech in 20 ms packets), as phones do; "
                        "without it they send none")
    parser.add_argument("--command-connections", type=int, default=1,
                        help="fsapp's switch.command_connections (0: commands share the event connection)")
    parser.add_argument("--overload-after", type=float, default=None,
                        help="fsapp's switch.overload_after (the overload guard; 0: off; default: fsapp's default)")
    parser.add_argument("--overload-wait", type=float, default=None,
                        help="fsapp's switch.overload_wait (seconds a caller rings at the door of an overloaded switch "
                        "before it is refused; 0: refused at once; default: fsapp's default)")
    parser.add_argument("--switch-sps", type=int, default=500,
                        help="the switch's sessions-per-second for the run (fsapp's switch.calls_per_second too)")
    parser.add_argument("--profile", default="", help="write the controller hub's cProfile of the first rate's run "
                        "here (by CPU time)")
    args = parser.parse_args()
    value = os.environ.get("FSAPP_TEST_FREESWITCH")
    if not value:
        print(json.dumps({"benchmark": "live_acd_capacity", "skipped": "no live FreeSWITCH: set "
                          "FSAPP_TEST_FREESWITCH=host:port:password"}))
        return
    host, port, password = value.split(":", 2)
    rates = [float(rate) for rate in args.rates.split(",")]
    signal.signal(signal.SIGTERM, _stop)   # a stopped run still undoes what it installed in the shared switch
    bench = Bench((host, int(port), password), args.agents, int(args.talk * 1000), args.command_connections,
                  args.overload_after, args.overload_wait, args.switch_sps)
    if args.caller_rtp:
        from tests.live.pcaps import speech_20ms
        bench.caller_rtp = speech_20ms(bench.work / "caller_rtp.pcap")
    report: dict[str, Any] = {"benchmark": "live_acd_capacity", "agents": args.agents, "talk_s": args.talk,
                              "seconds_per_rate": args.seconds, "switch_sps": args.switch_sps,
                              "command_connections": args.command_connections,
                              "overload_after": args.overload_after, "overload_wait": args.overload_wait,
                              "controller_fifo": args.controller_fifo, "controller_cpu": args.controller_cpu,
                              "caller_rtp": args.caller_rtp,
                              "loadavg_before": os.getloadavg()[0]}
    try:
        bench.install()
        if args.only in ("", "fsapp"):
            report["fsapp"] = measure_fsapp(bench, rates, args.seconds, args.controller_fifo, args.profile,
                                         args.controller_cpu)
        if args.only in ("", "callcenter"):
            report["mod_callcenter"] = measure_callcenter(bench, rates, args.seconds)
    finally:
        bench.undo()
    report["loadavg_after"] = os.getloadavg()[0]
    report["targets"] = {"rate_per_s": 80, "success_rate": 0.99, "controller_cpu_ms_per_call": 3.0,
                         "agent_answer_to_bridge_p99_ms": 100.0}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
