"""Helpers shared by the dialer tests: campaign lists and phone numbers."""

from __future__ import annotations

from pathlib import Path


def write_list(path: Path, numbers: list[str], extra: str = "") -> Path:
    lines = ["phone,name,language" + ("," + extra if extra else "")]
    lines += [f"{number},Person {index},{'en' if index % 2 else 'nb'}" for index, number in enumerate(numbers)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"+47900{index:05d}" for index in range(start, start + count)]
