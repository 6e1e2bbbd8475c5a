"""``fsapp doctor``: check the whole setup, one line per check; exit 1 if any check fails."""

from __future__ import annotations

import time
from pathlib import Path

import click

from fsapp.commands.common import config_from, print_json
from fsapp.config import load_config
from fsapp.doctor import any_failed, run_doctor
from fsapp.doctor.result import CheckResult, fail, ok
from fsapp.errors import FsappError
from fsapp.health import HEARTBEAT_FILE, HEARTBEAT_INTERVAL, judge


@click.command("doctor")
@click.option("--timeout", type=float, default=None, help="Seconds to wait for the switch (default: configured).")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as one JSON list.")
@click.pass_context
def doctor(ctx: click.Context, timeout: float | None, as_json: bool) -> None:
    """Check configuration, database, queues, flows, the switch and its dialplan."""
    path = (ctx.find_root().obj or {}).get("config_path")
    try:
        config = load_config(path)
    except FsappError as exc:
        results: list[CheckResult] = [fail("configuration", str(exc), "fix the file or variable named")]
    else:
        results = [ok("configuration", f"loaded from {config.source or 'built-in defaults'}")]
        results += run_doctor(config, timeout)
    if as_json:
        print_json([result.as_dict() for result in results])
    else:
        for result in results:
            click.echo(result.line())
    if any_failed(results):
        ctx.exit(1)


@click.command("health")
@click.option("--max-age", type=float, default=3 * HEARTBEAT_INTERVAL, show_default=True,
              help="Seconds after which a heartbeat counts as stale.")
@click.option("--json", "as_json", is_flag=True, help="Print the heartbeat and the verdict as JSON.")
@click.pass_context
def health(ctx: click.Context, max_age: float, as_json: bool) -> None:
    """Is the controller on this machine alive and connected? Exit 0 if so, 1 if not (for health checks)."""
    config = config_from(ctx)
    path = Path(config.paths.state) / HEARTBEAT_FILE
    try:
        verdict = judge(path, time.time(), max_age)
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json({"healthy": verdict.healthy, "reason": verdict.reason, "heartbeat": verdict.beat})
    else:
        click.echo(f"{'ok' if verdict.healthy else 'unhealthy'}: {verdict.reason}")
    if not verdict.healthy:
        ctx.exit(1)


COMMANDS = [doctor, health]
