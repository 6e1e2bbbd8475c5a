"""A campaign's report: contacts by result, attempts by outcome and hangup cause, attempts per hour; CSV and PNG.

A survey campaign's report adds, per question, how many answered, the count of each key and the mean of
numeric keys, over dialed surveys and those asked at the end of a caller's own call (attempt number 0).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fsapp.csvsafe import csv_writer
from fsapp.dialer.campaigns import SAME_CALL_ATTEMPT, CampaignStore, survey_answers


@dataclass
class CampaignReport:
    """Figures for one campaign."""

    name: str
    status: str
    contacts: dict[str, int]
    outcomes: dict[str, int]
    causes: dict[str, int]
    per_hour: dict[str, int] = field(default_factory=dict)
    questions: dict[str, QuestionFigures] = field(default_factory=dict)
    surveys_by_channel: dict[str, int] = field(default_factory=dict)

    @property
    def reach_rate(self) -> float:
        done = {k: v for k, v in self.contacts.items() if k.startswith("done:")}
        reached = sum(v for k, v in done.items() if k not in ("done:exhausted", "done:do_not_call"))
        total = self.contacts.get("total", 0)
        return reached / total if total else 0.0

    def rows(self) -> list[tuple[str, str, int | float]]:
        """``(section, key, count)`` lines: contacts, outcomes, causes, hours, survey answers (and their mean)."""
        lines = [("contacts", key, value) for key, value in self.contacts.items()]
        lines += [("attempts", key, value) for key, value in sorted(self.outcomes.items())]
        lines += [("hangup_cause", key, value) for key, value in sorted(self.causes.items())]
        lines += [("per_hour", key, value) for key, value in sorted(self.per_hour.items())]
        lines += [("surveys", key, value) for key, value in sorted(self.surveys_by_channel.items())]
        for key, figures in self.questions.items():
            lines.append((f"survey {key}", "answered", figures.answered))
            lines += [(f"survey {key}", f"key {answer}", count) for answer, count in sorted(figures.keys.items())]
            if figures.mean is not None:
                lines.append((f"survey {key}", "mean", round(figures.mean, 2)))
        return lines

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv_writer(buffer, lineterminator="\n")
        writer.writerow(["section", "key", "count"])
        writer.writerows(self.rows())
        return buffer.getvalue()

    def to_png(self, path: str | Path) -> Path:
        """Draw results and attempts per hour to ``path``."""
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot

        figure, (left, right) = pyplot.subplots(1, 2, figsize=(11, 4))
        results = {k.removeprefix("done:"): v for k, v in self.contacts.items() if k.startswith("done:")}
        results.update({k: self.contacts[k] for k in ("pending", "in_progress") if self.contacts.get(k)})
        left.bar(list(results), list(results.values()), color="#3b7dd8")
        left.set_title(f"{self.name}: contacts by result")
        left.tick_params(axis="x", labelrotation=30)
        hours = sorted(self.per_hour)
        right.plot(hours, [self.per_hour[h] for h in hours], marker="o", color="#d8753b")
        right.set_title("attempts per hour")
        right.tick_params(axis="x", labelrotation=30)
        figure.tight_layout()
        target = Path(path)
        figure.savefig(target, dpi=100)
        pyplot.close(figure)
        return target


def campaign_report(campaigns: CampaignStore, name: str) -> CampaignReport:
    info = campaigns.get(name)
    attempts = campaigns.attempt_rows(info.id)
    outcomes = Counter(a["outcome"] or a["state"] for a in attempts)
    causes = Counter(a["hangup_cause"] for a in attempts if a["hangup_cause"])
    per_hour = Counter(_hour(a["started_at"]) for a in attempts)
    report = CampaignReport(name, info.status, campaigns.counts(info.id), dict(outcomes), dict(causes),
                            dict(per_hour))
    if info.mode == "survey":
        report.questions, report.surveys_by_channel = survey_figures(attempts, len(info.settings.questions))
    return report


def survey_figures(attempts: list[dict], questions: int) -> tuple[dict[str, QuestionFigures], dict[str, int]]:
    """Per-question figures over the attempts' answers, and answered surveys by channel (call / same_call)."""
    figures = {f"q{index}": QuestionFigures() for index in range(1, questions + 1)}
    channels: Counter[str] = Counter()
    for attempt in attempts:
        answers = survey_answers(attempt["answer"] or "")
        if not answers:
            continue
        channels["same_call" if attempt["attempt_no"] == SAME_CALL_ATTEMPT else "call"] += 1
        for key, answer in answers.items():
            if answer is not None and key in figures:
                figures[key].add(answer)
    return figures, dict(channels)


@dataclass
class QuestionFigures:
    """The answers to one survey question."""

    keys: dict[str, int] = field(default_factory=dict)

    @property
    def answered(self) -> int:
        return sum(self.keys.values())

    @property
    def mean(self) -> float | None:
        """The mean of the numeric answers (None: none was numeric)."""
        numeric = [(int(key), count) for key, count in self.keys.items() if key.isdigit()]
        total = sum(count for _, count in numeric)
        return sum(value * count for value, count in numeric) / total if total else None

    def add(self, answer: str) -> None:
        self.keys[answer] = self.keys.get(answer, 0) + 1


def _hour(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:00")
