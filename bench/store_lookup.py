"""Caller lookup on a SQLite store with 1,000,000 cases: p50/p99 of ``Store.lookup_caller``.

Builds the database with bulk inserts, then looks up random numbers (90% known, dialled in national
format, so every lookup normalizes first). The naive alternative, an unnormalized ``LIKE`` on the phone
column (a table scan), runs in the same process for a ratio. Prints one JSON line.
Options: ``--cases N`` (default 1,000,000), ``--lookups N`` (default 5,000), ``--keep PATH`` to keep the file.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fsapp.store import open_store  # noqa: E402
from fsapp.store.reference import make_reference  # noqa: E402

CASES_PER_CITIZEN = 4
STATUSES = ["received", "accepted", "assigned", "in_progress", "resolved", "closed", "closed", "closed",
            "closed", "closed"]
WHEN = "2024-01-01 10:00:00"


def build(url: str, cases: int, seed: int) -> tuple[list[str], float]:
    """Fill the store; returns the national numbers of the citizens and the seconds it took."""
    rng = random.Random(seed)
    started = time.perf_counter()
    store = open_store(url)
    for index in range(10):
        store.add_category(f"cat{index}", f"Category {index}", service_level_hours=48)
    citizens = max(1, cases // CASES_PER_CITIZEN)
    numbers = [str(n) for n in rng.sample(range(90_000_000, 99_999_999), citizens)]
    db = store.db
    with db.atomic():
        cursor = db.cursor()
        cursor.executemany(
            "INSERT INTO citizen (id, name, address, postcode, city, language, preferred_channel, consent_sms, "
            "consent_email, consent_recording, created_at, updated_at) VALUES (?, ?, '', '', '', 'nb', 'phone', "
            "0, 0, 0, ?, ?)", ((i + 1, f"Citizen {i}", WHEN, WHEN) for i in range(citizens)))
        cursor.executemany("INSERT INTO citizen_phone (citizen_id, number, label) VALUES (?, ?, '')",
                           ((i + 1, f"+47{number}") for i, number in enumerate(numbers)))
        cursor.executemany(
            "INSERT INTO \"case\" (reference, category_id, citizen_id, channel, description, status, custom_values, "
            "address, received_at, updated_at) VALUES (?, ?, ?, 'phone', 'x', ?, '{}', '', ?, ?)",
            ((make_reference(2024, i + 1), rng.randint(1, 10), rng.randint(1, citizens), rng.choice(STATUSES),
              WHEN, WHEN) for i in range(cases)))
    db.execute_sql("ANALYZE")
    store.close()
    return numbers, time.perf_counter() - started


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def time_lookups(url: str, numbers: list[str], lookups: int, seed: int) -> list[float]:
    rng = random.Random(seed + 1)
    store = open_store(url, migrate=False)
    dialled = [rng.choice(numbers) if rng.random() < 0.9 else str(rng.randint(20_000_000, 29_999_999))
               for _ in range(lookups)]
    for number in dialled[:200]:  # warm the page cache
        store.lookup_caller(number)
    samples = []
    for number in dialled:
        start = time.perf_counter()
        store.lookup_caller(number)
        samples.append((time.perf_counter() - start) * 1000)
    store.close()
    return samples


def time_naive(url: str, numbers: list[str], lookups: int, seed: int) -> list[float]:
    rng = random.Random(seed + 2)
    store = open_store(url, migrate=False)
    samples = []
    for _ in range(lookups):
        number = rng.choice(numbers)
        start = time.perf_counter()
        rows = store.db.execute_sql("SELECT citizen_id FROM citizen_phone WHERE number LIKE ?",
                                    (f"%{number}",)).fetchall()
        if rows:
            store.db.execute_sql("SELECT id, status FROM \"case\" WHERE citizen_id = ? AND status NOT IN "
                                 "('resolved', 'closed')", (rows[0][0],)).fetchall()
        samples.append((time.perf_counter() - start) * 1000)
    store.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=5_000)
    parser.add_argument("--naive-lookups", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", help="Build the database at this path and keep it.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fsapp-bench-") as scratch:
        path = Path(args.keep) if args.keep else Path(scratch) / "bench.db"
        url = f"sqlite:///{path}"
        numbers, build_seconds = build(url, args.cases, args.seed)
        samples = time_lookups(url, numbers, args.lookups, args.seed)
        naive = time_naive(url, numbers, args.naive_lookups, args.seed)
    p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
    naive_p50 = percentile(naive, 0.50)
    print(json.dumps({
        "bench": "store_lookup", "backend": "sqlite", "cases": args.cases,
        "citizens": max(1, args.cases // CASES_PER_CITIZEN), "build_s": round(build_seconds, 1),
        "lookups": len(samples), "p50_ms": round(p50, 3), "p99_ms": round(p99, 3),
        "mean_ms": round(statistics.fmean(samples), 3), "target_p99_ms": 5.0, "meets_target": p99 < 5.0,
        "naive_like_scan_p50_ms": round(naive_p50, 2), "naive_over_indexed_p50": round(naive_p50 / p50, 1),
    }))


if __name__ == "__main__":
    main()
