"""What the benchmarks share: pinning a process to a core and reading its own CPU time and memory."""

from __future__ import annotations

import os
import resource


def pin_to_cpu(cpu: int) -> None:
    """Run this process on one core only (when the machine has that core)."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(0, {cpu})


def cpu_seconds() -> float:
    """User plus system CPU time this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """The most memory this process has held, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
