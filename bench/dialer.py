"""Campaign dialing on the simulated switch: attempts per second the controller sustains, and its CPU per attempt.

A 10,000-contact message campaign (70% answer and hear a 1 s message, 10% busy, 10% no answer, 10% fail;
no retries) runs through :class:`~fsapp.dialer.CampaignRunner` on a SQLite file, paced at ``--cps`` with
``--concurrent`` calls at most. The simulated switch runs in its own process on the other core at 50x real
time. The same switch then takes a bare originate loop (no database, no pacing: one greenlet per contact
under a semaphore of the same size, answer -> playback -> hangup) over ``--bare`` contacts. Prints one JSON
line: achieved attempts/s against the pacing limit, and CPU per attempt of the campaign controller against
the bare loop.

    python bench/dialer.py [--contacts 10000] [--cps 250] [--concurrent 200] [--bare 3000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import cpu_seconds, pin_to_cpu  # noqa: E402

SPEED = 50.0
MIX = ("answer",) * 7 + ("busy", "no_answer", "fail")






def _number(index: int) -> str:
    return f"+4791{index:06d}"


def run_sim(port_out: multiprocessing.Queue, contacts: int) -> None:
    pin_to_cpu(1)
    import gevent

    from fsapp.sim import SimulatedSwitch

    sim = SimulatedSwitch(password="ClueCon", speed=SPEED)
    for index in range(contacts):
        sim.add_endpoint(_number(index), behaviour=MIX[index % len(MIX)], answer_after=0.5)
    port_out.put(sim.start()[1])
    gevent.sleep(36000)


def campaign_controller(port: int, contacts: int, cps: float, concurrent: int, out: multiprocessing.Queue) -> None:
    pin_to_cpu(0)
    from fsapp.dialer import CampaignRunner, CampaignSettings, CampaignStore
    from fsapp.store import open_store
    from fsapp.switch import Switch

    folder = Path(tempfile.mkdtemp(prefix="fsapp-bench-"))
    store = open_store(f"sqlite:///{folder / 'bench.db'}")
    campaigns = CampaignStore.of(store)
    settings = CampaignSettings(message={"nb": "tone_stream://%(1000,0,440)"}, calls_per_second=cps,
                                max_concurrent=concurrent, ring_timeout=2.0,
                                retry={k: {"delay": 0, "max": 1} for k in ("busy", "no_answer", "failed")})
    campaigns.create("bench", settings)
    list_path = folder / "list.csv"
    list_path.write_text("phone\n" + "\n".join(_number(i) for i in range(contacts)) + "\n", encoding="utf-8")
    campaigns.import_list("bench", list_path)
    switch = Switch("127.0.0.1", port, "ClueCon").start()
    switch.wait_connected(30)
    runner = CampaignRunner(campaigns, switch, "bench", status_poll=1.0)
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    summary = runner.run()
    cpu, wall = cpu_seconds() - cpu0, time.perf_counter() - wall0
    switch.stop()
    out.put({"attempts": summary.started, "wall_s": round(wall, 2),
             "attempts_per_s": round(summary.started / wall, 1),
             "cpu_ms_per_attempt": round(cpu * 1000 / summary.started, 3), "max_active": summary.max_active,
             "outcomes": summary.outcomes})


def bare_controller(port: int, contacts: int, cps: float, concurrent: int, out: multiprocessing.Queue) -> None:
    """Originate, play, hang up, as fast as the semaphore allows; nothing written anywhere."""
    pin_to_cpu(0)
    import gevent
    from gevent.lock import Semaphore

    from fsapp.switch import OriginateFailed, Switch

    switch = Switch("127.0.0.1", port, "ClueCon").start()
    switch.wait_connected(30)
    slots = Semaphore(concurrent)

    def attempt(index: int) -> None:
        try:
            call = switch.originate(f"sofia/gateway/pstn/{_number(index)}", {"originate_timeout": "2"},
                                    timeout=20)
            call.playback("tone_stream://%(1000,0,440)")
            call.hangup()
        except OriginateFailed:
            pass
        finally:
            slots.release()

    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    jobs = []
    for index in range(contacts):
        slots.acquire()
        jobs.append(gevent.spawn(attempt, index))
    gevent.joinall(jobs)
    cpu, wall = cpu_seconds() - cpu0, time.perf_counter() - wall0
    switch.stop()
    out.put({"attempts": contacts, "wall_s": round(wall, 2), "attempts_per_s": round(contacts / wall, 1),
             "cpu_ms_per_attempt": round(cpu * 1000 / contacts, 3)})


def measure(controller, contacts: int, cps: float, concurrent: int) -> dict:
    context = multiprocessing.get_context("spawn")
    port_out, out = context.Queue(), context.Queue()
    sim = context.Process(target=run_sim, args=(port_out, contacts), daemon=True)
    sim.start()
    port = port_out.get(timeout=120)
    process = context.Process(target=controller, args=(port, contacts, cps, concurrent, out))
    process.start()
    result = out.get(timeout=3600)
    process.join(30)
    sim.terminate()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10000)
    parser.add_argument("--cps", type=float, default=250.0, help="the campaign's calls-per-second limit")
    parser.add_argument("--concurrent", type=int, default=200)
    parser.add_argument("--bare", type=int, default=3000, help="contacts for the bare originate loop")
    args = parser.parse_args()
    campaign = measure(campaign_controller, args.contacts, args.cps, args.concurrent)
    bare = measure(bare_controller, args.bare, args.cps, args.concurrent)
    print(json.dumps({
        "benchmark": "dialer", "contacts": args.contacts, "cps_limit": args.cps, "max_concurrent": args.concurrent,
        "sim_speed": SPEED, "campaign": campaign, "bare_originate_loop": bare,
        "ratio_rate_to_cps_limit": round(campaign["attempts_per_s"] / args.cps, 3),
        "ratio_cpu_campaign_to_bare": round(campaign["cpu_ms_per_attempt"] / bare["cpu_ms_per_attempt"], 2),
    }))


if __name__ == "__main__":
    main()
