"""How fast ``fsapp simulate`` runs a day: simulated calls per wall second, and simulated time per wall second.

The real controller, menus and queues of conf/fsapp.yaml run against the simulated switch on the virtual
clock. The comparison is real time itself: ``sim_to_wall_ratio`` is how many simulated seconds pass per wall
second (1.0 would be a day taking a day). Target: an 8-hour day of 2,000 calls in under a minute.

    python bench/simulate.py [--hours 8] [--calls-per-hour 250] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fsapp.config import load_config  # noqa: E402
from fsapp.simulate import SimulationSettings, simulate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--calls-per-hour", type=float, default=250.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    config = load_config(ROOT / "conf" / "fsapp.yaml", env={})
    started = time.perf_counter()
    report, record = simulate(config, SimulationSettings(hours=args.hours, calls_per_hour=args.calls_per_hour,
                                                         seed=args.seed))
    wall = time.perf_counter() - started
    calls = len(record.calls)
    print(json.dumps({"benchmark": "simulate", "hours": args.hours, "calls": calls,
                      "agents": report["overall"].get("agents"), "wall_s": round(wall, 1),
                      "sim_calls_per_wall_s": round(calls / wall, 1),
                      "sim_to_wall_ratio": round(args.hours * 3600 / wall, 1),
                      "target_wall_s": 60}))


if __name__ == "__main__":
    main()
