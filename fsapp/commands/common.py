"""What every command module shares: loading the configuration and printing results."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from fsapp.config import Config, load_config
from fsapp.errors import FsappError


def config_from(ctx: click.Context, **overrides: Any) -> Config:
    """The configuration for this invocation (file from ``--config``, flags as dotted overrides)."""
    root = ctx.find_root()
    path = (root.obj or {}).get("config_path")
    try:
        return load_config(path, overrides={key.replace("__", "."): value for key, value in overrides.items()})
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain aligned table (stable for scripts that grep it)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            click.echo("  ".join("-" * w for w in widths))
