"""Waiting calls and operators' states over the simulated day, drawn with matplotlib (``fsapp[charts]``)."""

from __future__ import annotations

from pathlib import Path

from fsapp.simulate.errors import SimulationError
from fsapp.simulate.run import DayRecord

STATES = ("available", "reserved", "ringing", "on-call", "wrap-up", "break")


def plot_day(day: DayRecord, path: str | Path) -> Path:
    """Write a PNG with two panels: calls waiting per queue, and operators per state."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise SimulationError("plotting needs matplotlib: pip install 'fsapp[charts]'") from exc
    hours = [sample["at"] / 3600 for sample in day.samples]
    figure, (waiting, agents) = plt.subplots(2, 1, sharex=True, figsize=(10, 6))
    queues = sorted({queue for sample in day.samples for queue in sample["waiting"]})
    for queue in queues:
        counts = [sample["waiting"].get(queue, 0) for sample in day.samples]
        if any(counts):
            waiting.plot(hours, counts, label=queue)
    waiting.set_ylabel("calls waiting")
    waiting.legend(loc="upper right", fontsize="small")
    agents.stackplot(hours, *[[sample["agents"].get(state, 0) for sample in day.samples] for state in STATES],
                     labels=STATES)
    agents.set_ylabel("operators")
    agents.set_xlabel("hours into the day")
    agents.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    target = Path(path)
    figure.savefig(target, dpi=100)
    plt.close(figure)
    return target
