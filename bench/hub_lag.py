"""Hub lag: how late a greenlet that sleeps 10 ms wakes up while the controller carries calls, under each load.

The controller runs in this process on the simulated switch (its own process, ``--sim-speed`` times real
time), with ``--calls`` concurrent callers walking the municipal menu (keys, timeouts, case status, the
operator queue with agents answering). A probe greenlet sleeps 10 ms over and over and records how late it
wakes. After a warm-up, the lag is measured with no load, then in turn while:

- ``open311``: an HTTP client lists Open311 requests over ``--cases`` cases, every service code, back to back;
- ``report``: an HTTP client asks the control API for the daily report over ``--report-calls`` calls;
- ``import``: ``fsapp db import citizens`` (another process) reads a ``--import-mb`` MB CSV into the store;
- ``prompts``: ``--prompts`` new announcements are rendered through the ACD's prompt renderer, 5 at a time;
- ``lock``: another process holds SQLite's write lock for ``--lock-seconds``.

Each load lasts ``--window`` seconds (prompts: until rendered; lock: the hold plus 2 s). Prints one JSON line:
p50/p99/max lag in ms per load, calls finished, store errors (``database is locked``) and the load's own
count of requests or rows. Goal: p99 < 10 ms and max < 50 ms under every load.

    python bench/hub_lag.py [--calls 50] [--window 8] [--cases 10000] [--report-calls 200000]
                            [--import-mb 50] [--prompts 50] [--lock-seconds 6]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gevent  # noqa: E402

OSLO = ZoneInfo("Europe/Oslo")
TOKEN = "hub-lag-bench-token"
PROBE_INTERVAL = 0.010
GOAL = {"p99_ms": 10.0, "max_ms": 50.0}
AGENTS = {"ingrid": "1001", "ola": "1002", "amira": "1003", "lars": "1004", "sofie": "1005", "jonas": "1006",
          "emma": "1007", "kari": "1008", "piotr": "1009", "erik": "1011", "marte": "1012"}
CATEGORIES = ["roads", "water", "waste", "schools", "care", "taxes", "building", "parks", "noise", "lights"]
CALLERS = 2000


# -- the store's contents ---------------------------------------------------------------------------------

def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


def seed_store(url: str, cases: int, calls: int, now: datetime, seed: int) -> None:
    """Categories, the callers as citizens, ``cases`` cases in the last 60 days, ``calls`` calls in the 30 days
    before today (bulk inserts: the controller is not running yet)."""
    from fsapp.store import open_store
    from fsapp.store.reference import make_reference

    rng = random.Random(seed)
    store = open_store(url)
    store.add_department("city", "City services")
    for code in CATEGORIES:
        store.add_category(code, code.title(), "city", service_level_hours=72)
    db = store.db
    p = db.param
    with db.atomic():
        cursor = db.cursor()
        cursor.executemany(
            f"INSERT INTO citizen (id, name, address, postcode, city, language, preferred_channel, consent_sms, "
            f"consent_email, consent_recording, created_at, updated_at) VALUES ({p}, {p}, '', '', '', 'nb', "
            f"'phone', 0, 0, 0, {p}, {p})",
            [(i + 1, f"Caller {i}", _stamp(now), _stamp(now)) for i in range(CALLERS)])
        cursor.executemany(f"INSERT INTO citizen_phone (citizen_id, number, label) VALUES ({p}, {p}, '')",
                           [(i + 1, caller_number(i)) for i in range(CALLERS)])
        statuses = ["received", "accepted", "assigned", "in_progress", "resolved", "closed"]
        case_rows = []
        for index in range(cases):
            received = now - timedelta(days=rng.uniform(0.5, 60))
            case_rows.append((make_reference(now.year + 1, index + 1), rng.randint(1, len(CATEGORIES)),
                              rng.randint(1, CALLERS), rng.choice(statuses), _stamp(received), _stamp(received)))
        cursor.executemany(
            f'INSERT INTO "case" (reference, category_id, department_id, citizen_id, channel, description, status, '
            f"custom_values, address, received_at, updated_at) VALUES ({p}, {p}, 1, {p}, 'phone', 'A pothole', "
            f"{p}, '{{}}', 'Storgata 1', {p}, {p})", case_rows)
        cursor.executemany(
            f"INSERT INTO case_event (case_id, at, actor, kind, new_value) VALUES ({p}, {p}, 'bench', 'created', "
            f"'received')", [(index + 1, row[4]) for index, row in enumerate(case_rows)])
        first_day = datetime.combine(now.astimezone(OSLO).date() - timedelta(days=30), datetime.min.time(), OSLO)
        queues = ["operator", "roads", "water", "care", "taxes", None]
        outcomes = ["answered", "answered", "answered", "abandoned", "callback"]
        call_rows = []
        for index in range(calls):
            started = first_day + timedelta(seconds=rng.uniform(0, 30 * 86400))
            queue = rng.choice(queues)
            call_rows.append((f"seed-{index}", caller_number(rng.randrange(CALLERS)), _stamp(started), queue,
                              rng.choice(list(AGENTS)) if queue else None, rng.uniform(0, 120),
                              rng.uniform(30, 600), rng.choice(outcomes) if queue else "ivr"))
        cursor.executemany(
            f"INSERT INTO call (call_uuid, direction, caller_number, called_number, started_at, queue, agent, "
            f"wait_seconds, talk_seconds, outcome, hangup_cause) VALUES ({p}, 'in', {p}, '6000', {p}, {p}, {p}, "
            f"{p}, {p}, {p}, '')", call_rows)
    db.execute_sql("ANALYZE")
    store.close()


def caller_number(index: int) -> str:
    return f"+4791{index:06d}"


def write_citizens_csv(path: Path, megabytes: float, seed: int) -> int:
    """A register of citizens the size the city exports (new people: every row creates one)."""
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("external_id,name,phone,email,address,postcode,city,language,preferred_channel,"
                  "consent_sms,consent_email,consent_recording\n")
        while out.tell() < target:
            number = f"4{rng.randrange(10_000_000):07d}"
            out.write(f"REG-{rows:08d},Innbygger nummer {rows},+47 {number},innbygger{rows}@example.no,"
                      f"Kommuneveien {rng.randrange(1, 300)},{rng.randrange(1000, 9999)},Byen,nb,phone,"
                      f"{rng.choice('yn')},{rng.choice('yn')},{rng.choice('yn')}\n")
            rows += 1
    return rows


# -- other processes --------------------------------------------------------------------------------------

def run_sim(port_out: Any, stop: Any, calls: int, speed: float, seed: int) -> None:
    """The simulated switch with ``calls`` callers at all times and the agents' phones."""
    from fsapp.sim import CallerScript, SimulatedSwitch

    rng = random.Random(seed)
    sim = SimulatedSwitch(password="ClueCon", speed=speed)
    port_out.put(sim.start()[1])
    for extension in AGENTS.values():
        sim.add_endpoint(extension, behaviour="answer", answer_after=2.0,
                         hangup_after=lambda: rng.uniform(15.0, 40.0))

    def caller(index: int) -> None:
        while not stop.is_set():
            choice = rng.random()
            if choice < 0.4:
                keys = [(rng.uniform(5.0, 9.0), "0")]                  # the operator
            elif choice < 0.7:
                keys = [(rng.uniform(5.0, 9.0), "7")]                  # case status (hooks, the store)
            else:
                keys = []                                              # no choice: three timeouts
            uuid = sim.place_call(caller=caller_number(rng.randrange(CALLERS)),
                                  script=CallerScript(keys=keys, hangup_after=rng.uniform(40.0, 90.0)))
            sim.wait_gone(uuid, 3600)

    for index in range(calls):
        gevent.spawn_later(index * 0.05, caller, index)
    while not stop.is_set():
        gevent.sleep(0.2)
    sim.stop()


def http_loop(url: str, stop: Any, out: Any) -> None:
    """GET ``url`` back to back until told to stop; reports how many answered and how slowly."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    seconds: list[float] = []
    errors = 0
    while not stop.is_set():
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as reply:
                reply.read()
        except OSError:
            errors += 1
            time.sleep(0.2)
            continue
        seconds.append(time.perf_counter() - started)
    out.put({"requests": len(seconds), "errors": errors,
             "mean_s": round(sum(seconds) / len(seconds), 3) if seconds else None})


def hold_lock(path: str, seconds: float, held: Any) -> None:
    """Another process writing to the SQLite file: holds its write lock for ``seconds``."""
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE citizen SET updated_at = updated_at WHERE id = 1")
    held.set()
    time.sleep(seconds)
    connection.execute("ROLLBACK")
    connection.close()


# -- measuring --------------------------------------------------------------------------------------------

class Probe:
    """A greenlet that sleeps 10 ms over and over, noting how late it wakes."""

    def __init__(self, controller: Any) -> None:
        self.lags: list[float] = []
        self.controller = controller
        self.greenlet = gevent.spawn(self._run)

    def _run(self) -> None:
        while True:
            started = time.perf_counter()
            gevent.sleep(PROBE_INTERVAL)
            self.lags.append(max(0.0, time.perf_counter() - started - PROBE_INTERVAL))

    def mark(self) -> int:
        return len(self.lags)

    def since(self, mark: int) -> dict[str, Any]:
        lags = sorted(self.lags[mark:])
        if not lags:
            return {"samples": 0}

        def at(fraction: float) -> float:
            return round(lags[min(len(lags) - 1, int(fraction * len(lags)))] * 1000, 2)

        return {"p50_ms": at(0.50), "p99_ms": at(0.99), "max_ms": round(lags[-1] * 1000, 1), "samples": len(lags)}


class ErrorCount(logging.Handler):
    """Counts the controller's errors, and those saying the database was locked."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors = 0
        self.locked = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.errors += 1
        text = record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        self.locked += "database is locked" in text


# -- the run ----------------------------------------------------------------------------------------------

def off_hub(function: Callable[..., Any], *args: Any) -> Any:
    """Start or wait for another process from a thread: the bench must not stall the hub it measures."""
    return gevent.get_hub().threadpool.apply(function, args)


def next_monday_morning() -> datetime:
    today = datetime.now(OSLO).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime.combine(monday, datetime.min.time(), OSLO).replace(hour=10)


def build_controller(scratch: Path, url: str, sim_port: int) -> Any:
    from fsapp.config import load_config
    from fsapp.controller import Controller

    config = load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
        "database.url": url, "ivr.flows_dir": str(ROOT / "ivr_scripts"), "acd.file": str(ROOT / "conf" / "acd.yaml"),
        "speech.tts_cache": str(scratch / "tts"), "paths.recordings": str(scratch / "recordings"),
        "paths.state": str(scratch / "state"), "switch.host": "127.0.0.1", "switch.port": sim_port})
    offset = next_monday_morning().timestamp() - time.time()
    controller = Controller(config, wall_clock=lambda: time.time() + offset)
    controller.start()
    config.api.tokens = {TOKEN: "admin"}
    controller.start_api(port=0)
    controller.switch.wait_connected(30)
    for agent in AGENTS:
        controller.acd.agent_login(agent)
    finished = controller.ivr.handlers.on_finished
    controller.calls_finished = 0

    def count_finished(call: Any, path: Any) -> None:
        controller.calls_finished += 1
        finished(call, path)

    controller.ivr.handlers.on_finished = count_finished
    return controller


class Loads:
    """Starts each load and says when it is over."""

    def __init__(self, args: argparse.Namespace, controller: Any, db_path: Path, csv_path: Path) -> None:
        self.args = args
        self.controller = controller
        self.db_path = db_path
        self.csv_path = csv_path
        self.context = multiprocessing.get_context("spawn")
        self.nonce = f"{os.getpid()}-{time.time_ns()}"

    def _http(self, url: str, seconds: float) -> dict[str, Any]:
        stop, out = self.context.Event(), self.context.Queue()
        client = self.context.Process(target=http_loop, args=(url, stop, out), daemon=True)
        off_hub(client.start)
        gevent.sleep(seconds)
        stop.set()
        result = off_hub(out.get, True, 120)
        off_hub(client.join, 10)
        return result

    def open311(self) -> dict[str, Any]:
        base = self.controller.api_server.url
        return self._http(f"{base}/open311/v2/requests.json?service_code={','.join(CATEGORIES)}", self.args.window)

    def report(self) -> dict[str, Any]:
        today = datetime.now(OSLO).date()
        first, last = today - timedelta(days=30), today - timedelta(days=1)
        return self._http(f"{self.controller.api_server.url}/api/v1/reports/daily?from={first}&to={last}",
                          self.args.window)

    def import_(self) -> dict[str, Any]:
        command = [sys.executable, str(ROOT / "cli.py"), "db", "import", "citizens", str(self.csv_path),
                   "--db", f"sqlite:///{self.db_path}", "--json"]
        started = time.perf_counter()
        process = off_hub(lambda: subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                                   stderr=subprocess.DEVNULL))
        while process.poll() is None and time.perf_counter() - started < self.args.window:
            gevent.sleep(0.1)
        finished = process.poll() is not None
        if not finished:
            process.terminate()
            off_hub(process.wait, 30)
        return {"finished": finished, "seconds": round(time.perf_counter() - started, 1)}

    def prompts(self) -> dict[str, Any]:
        render = self.controller.acd.render_prompt
        texts = [f"Du er nummer {index} i køen. Referanse {self.nonce} {index}." for index in range(self.args.prompts)]
        started = time.perf_counter()

        def work(part: list[str]) -> None:
            for text in part:
                render(text, "nb")

        gevent.joinall([gevent.spawn(work, texts[i::5]) for i in range(5)], raise_error=True)
        return {"rendered": len(texts), "seconds": round(time.perf_counter() - started, 2)}

    def lock(self) -> dict[str, Any]:
        held = self.context.Event()
        holder = self.context.Process(target=hold_lock, args=(str(self.db_path), self.args.lock_seconds, held),
                                      daemon=True)
        off_hub(holder.start)
        off_hub(held.wait, 60)
        gevent.sleep(self.args.lock_seconds + 2.0)
        off_hub(holder.join, 30)
        return {"held_s": self.args.lock_seconds}


def measure(probe: Probe, errors: ErrorCount, controller: Any, load: Callable[[], Any]) -> dict[str, Any]:
    mark, finished, failed, locked = probe.mark(), controller.calls_finished, errors.errors, errors.locked
    extra = load()
    gevent.sleep(0.1)   # the probe notes the wake-up a stall delayed
    result = probe.since(mark)
    result.update({"calls_finished": controller.calls_finished - finished, "channels": len(controller.switch.registry),
                   "in_menu": len(controller.ivr.active_paths), "queued": len(controller.acd.router.members),
                   "errors": errors.errors - failed,
                   "locked_errors": errors.locked - locked, "load": extra})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50, help="concurrent IVR callers")
    parser.add_argument("--window", type=float, default=8.0, help="seconds each load is measured")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--report-calls", type=int, default=200_000)
    parser.add_argument("--import-mb", type=float, default=50.0)
    parser.add_argument("--prompts", type=int, default=50)
    parser.add_argument("--lock-seconds", type=float, default=6.0)
    parser.add_argument("--sim-speed", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="open311,report,import,prompts,lock", help="the loads to run, in order")
    args = parser.parse_args()
    errors = ErrorCount()
    logging.getLogger().setLevel(logging.ERROR)
    logging.getLogger().addHandler(errors)   # counted, not printed: the JSON line is the only output

    with tempfile.TemporaryDirectory(prefix="fsapp-hub-lag-") as scratch_name:
        scratch = Path(scratch_name)
        db_path = scratch / "fsapp.db"
        url = f"sqlite:///{db_path}"
        setup_started = time.perf_counter()
        seed_store(url, args.cases, args.report_calls, datetime.now(timezone.utc), args.seed)
        csv_path = scratch / "citizens.csv"
        csv_rows = write_citizens_csv(csv_path, args.import_mb, args.seed)
        setup_s = time.perf_counter() - setup_started

        context = multiprocessing.get_context("spawn")
        port_out, stop = context.Queue(), context.Event()
        sim = context.Process(target=run_sim, args=(port_out, stop, args.calls, args.sim_speed, args.seed),
                              daemon=True)
        sim.start()
        controller = build_controller(scratch, url, port_out.get(timeout=60))
        probe = Probe(controller)
        loads = Loads(args, controller, db_path, csv_path)
        results: dict[str, Any] = {}
        try:
            gevent.sleep(args.warmup)
            results["none"] = measure(probe, errors, controller, lambda: gevent.sleep(args.window))
            known = {"open311": loads.open311, "report": loads.report, "import": loads.import_,
                     "prompts": loads.prompts, "lock": loads.lock}
            for name in filter(None, args.only.split(",")):
                load = known[name]
                gevent.sleep(1.0)
                results[name] = measure(probe, errors, controller, load)
        finally:
            stop.set()
            probe.greenlet.kill()
            controller.stop()
            sim.join(10)
            if sim.is_alive():
                sim.terminate()
        met = all(r.get("p99_ms", 0) < GOAL["p99_ms"] and r.get("max_ms", 0) < GOAL["max_ms"]
                  for r in results.values())
        print(json.dumps({
            "benchmark": "hub_lag", "calls": args.calls, "sim_speed": args.sim_speed, "window_s": args.window,
            "sizes": {"cases": args.cases, "report_calls": args.report_calls, "import_mb": args.import_mb,
                      "import_rows": csv_rows, "prompts": args.prompts, "lock_s": args.lock_seconds},
            "setup_s": round(setup_s, 1), "lag": results, "goal": GOAL,
            "goal_met": met}))


if __name__ == "__main__":
    main()
