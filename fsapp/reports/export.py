"""Reports written out: CSV, and PNG bar charts drawn with matplotlib (imported only when asked for)."""

from __future__ import annotations

import io
from pathlib import Path

from fsapp.csvsafe import csv_writer
from fsapp.reports.errors import ReportError
from fsapp.reports.tables import Table


def csv_text(table: Table) -> str:
    """The table as CSV text (header line first)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\n")
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return buffer.getvalue()


def write_csv(table: Table, path: str | Path) -> Path:
    target = Path(path)
    target.write_text(csv_text(table), encoding="utf-8")
    return target


def write_chart(table: Table, path: str | Path) -> Path:
    """A bar chart of the table's chart column by its first column (PNG)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError as exc:
        raise ReportError("charts need matplotlib (pip install matplotlib)") from exc
    column = table.headers.index(table.chart_column)
    labels = [str(row[0]) for row in table.rows]
    values = [row[column] or 0 for row in table.rows]
    figure, axes = pyplot.subplots(figsize=(max(6.0, 0.6 * len(labels) + 2), 4.0))
    try:
        axes.bar(labels, values, color="#3a6ea5")
        axes.set_title(f"{table.name}: {table.chart_column}")
        axes.set_ylabel(table.chart_column)
        axes.tick_params(axis="x", labelrotation=45)
        figure.tight_layout()
        target = Path(path)
        figure.savefig(target, format="png", dpi=100)
    finally:
        pyplot.close(figure)
    return target
