"""Contact-center statistics from the store's call records: per day, queue, agent and case category.

::

    from fsapp.reports import build_report, write_csv, write_chart
    table = build_report(store, "queues", start, end, zone=ZoneInfo("Europe/Oslo"),
                         thresholds={"building": 20.0})
    write_csv(table, "queues.csv"); write_chart(table, "queues.png")

Definitions (one per figure, used everywhere):

- **offered**: calls that entered a queue; **answered** / **abandoned**: their outcome; **other**: the rest
  (callback, voicemail, transferred, message, removed).
- **abandoned_short**: abandoned within ``SHORT_ABANDON`` seconds; **avg_abandon_wait**: mean wait of the
  abandoned.
- **asa** (average speed of answer): mean wait of answered calls.
- **service_level**: answered within the queue's threshold / (answered + abandoned after it), as the ACD
  counts it live; callers who give up before the threshold do not count against the queue.
- **aht** (average handle time): mean talk time of answered calls (wrap-up is not in the call records).
- **occupancy** (agents): talk time / the agent's working span, the span being, per day, first answer to
  last hang-up of the agent's calls.
- **calls_per_hour**: every call (queued or not) by the local hour it started.
- **categories**: cases received in the period, by category.
"""

from fsapp.reports.errors import ReportError, UnknownReport
from fsapp.reports.export import write_chart, write_csv
from fsapp.reports.figures import (SHORT_ABANDON, agent_figures, calls_per_hour, category_counts, queue_figures,
                                   service_level)
from fsapp.reports.tables import REPORTS, Table, build_report, service_levels

__all__ = ["REPORTS", "SHORT_ABANDON", "ReportError", "Table", "UnknownReport", "agent_figures", "build_report",
           "calls_per_hour", "category_counts", "queue_figures", "service_level", "service_levels", "write_chart",
           "write_csv"]
