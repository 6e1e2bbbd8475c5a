"""A simulated 8-hour day of 2,000 calls with 20 operators through the real controller, menus and queues.

Prints one JSON line: simulated calls per wall second and simulated time per wall time, on the virtual
clock (``fsapp.simulate``), beside the target of a day in under 60 s. The queues are conf/acd.yaml's;
the 20 operators serve every queue.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fsapp.config import load_config  # noqa: E402
from fsapp.simulate import SimulationSettings, simulate  # noqa: E402

OPERATORS, HOURS, CALLS_PER_HOUR = 20, 8, 250


def bench_config(scratch: Path):
    acd = yaml.safe_load((ROOT / "conf/acd.yaml").read_text())
    skills = {skill: 5 for skill in acd["skills"]}
    acd["agents"] = {f"op{n:02d}": {"name": f"Operator {n}", "contact": f"user/{2000 + n}", "skills": skills,
                                    "queues": list(acd["queues"])} for n in range(OPERATORS)}
    (scratch / "acd.yaml").write_text(yaml.safe_dump(acd, allow_unicode=True))
    config = load_config(ROOT / "conf/fsapp.yaml")
    config.acd.file = str(scratch / "acd.yaml")
    config.ivr.flows_dir = str(ROOT / "ivr_scripts")
    config.speech.tts_cache = str(ROOT / "sounds/tts")
    return config


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        config = bench_config(Path(scratch))
        started = time.monotonic()
        report, _ = simulate(config, SimulationSettings(hours=HOURS, calls_per_hour=CALLS_PER_HOUR, seed=1))
        wall = time.monotonic() - started
    calls = report["overall"]["calls"]
    print(json.dumps({
        "benchmark": "simulate", "operators": OPERATORS, "simulated_hours": HOURS, "calls": calls,
        "wall_seconds": round(wall, 1), "simulated_calls_per_wall_second": round(calls / wall, 1),
        "simulated_to_wall_time": round(report["simulated_seconds"] / wall, 1),
        "target_wall_seconds": 60, "meets_target": wall < 60,
        "service_level": report["overall"]["service_level"], "occupancy": report["overall"]["occupancy"]}))


if __name__ == "__main__":
    main()
