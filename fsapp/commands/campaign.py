"""``fsapp campaign`` and ``fsapp callbacks``: outbound campaigns and callbacks from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from fsapp.commands.common import config_from, print_json, print_table
from fsapp.commands.store import open_store_for as open_cli_store
from fsapp.dialer import CallbackBook, CampaignRunner, CampaignSettings, CampaignStore
from fsapp.dialer.report import campaign_report
from fsapp.errors import FsappError
from fsapp.yamlsource import load_yaml

DB_OPTION = click.option("--db", "db_url", envvar="FSAPP_DATABASE_URL",
                         help="Database URL (default: database.url from the configuration).")


def _campaigns(ctx: click.Context, db_url: str | None) -> CampaignStore:
    return CampaignStore.of(open_cli_store(ctx, db_url, migrate=True))


def _guard(action: Any) -> Any:
    try:
        return action()
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def campaign() -> None:
    """Outbound campaigns: import a list, start, pause, resume, follow and report."""


@campaign.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", "-n", required=True, help="Campaign name (created if new; the list is merged otherwise).")
@click.option("--settings", "settings_file", type=click.Path(exists=True, dir_okay=False),
              help="YAML file of campaign settings (mode, message, windows, retry, ...).")
@click.option("--message", "messages", multiple=True, metavar="LANG=TEXT",
              help="Message text per language (repeatable), e.g. nb='Vannet stenges i morgen'.")
@click.option("--do-not-call", "dnc_file", type=click.Path(exists=True, dir_okay=False),
              help="A list of numbers never to call (added to the do-not-call list first).")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@DB_OPTION
@click.pass_context
def import_list(ctx: click.Context, file: str, name: str, settings_file: str | None, messages: tuple[str, ...],
                dnc_file: str | None, as_json: bool, db_url: str | None) -> None:
    """Import a call list (CSV or .xlsx with a phone column) into campaign NAME."""
    campaigns = _campaigns(ctx, db_url)

    def run() -> Any:
        if dnc_file:
            campaigns.import_do_not_call(dnc_file, reason=Path(dnc_file).name)
        existing = {c.name for c in campaigns.list()}
        if name not in existing:
            campaigns.create(name, _settings(ctx, settings_file, messages))
        elif settings_file or messages:
            campaigns.update_settings(name, _settings(ctx, settings_file, messages))
        return campaigns.import_list(name, file)

    report = _guard(run)
    if as_json:
        print_json(report.as_dict())
        return
    click.echo(f"{name}: {report.added} added, {report.merged} merged, {report.do_not_call} on the do-not-call "
               f"list, {len(report.problems)} invalid")
    for problem in report.problems:
        click.echo(f"{file}:{problem.row}: {problem.reason}", err=True)


def _settings(ctx: click.Context, path: str | None, messages: tuple[str, ...]) -> CampaignSettings:
    config = config_from(ctx)
    data: dict[str, Any] = {"timezone": config.timezone, "calls_per_second": float(config.switch.calls_per_second) / 2,
                            "windows": dict(config.outbound.calling_windows),   # the city's hours, not 24/7
                            "opt_out_key": config.outbound.opt_out_key}
    if path:
        source = _guard(lambda: load_yaml(path)) if path.endswith((".yaml", ".yml")) else None
        data.update(source.data if source else json.loads(Path(path).read_text(encoding="utf-8")))
    for item in messages:
        language, sep, text = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: use LANG=TEXT", param_hint="--message")
        data.setdefault("message", {})[language.strip()] = text
    return _guard(lambda: CampaignSettings.from_dict(data))


@campaign.command("start")
@click.argument("name")
@click.option("--standalone", is_flag=True,
              help="Dial from this process until finished (Ctrl-C stops), for a center with no controller running.")
@DB_OPTION
@click.pass_context
def start(ctx: click.Context, name: str, standalone: bool, db_url: str | None) -> None:
    """Mark campaign NAME running: the controller (fsapp run) dials it within a second.

    Starting it again after a stop resumes where it stopped; nobody reached is called twice.
    """
    campaigns = _campaigns(ctx, db_url)
    if not standalone:
        info = _guard(lambda: campaigns.set_status(name, "running", allowed_from=("ready", "paused", "running")))
        click.echo(f"{name}: {info.status} (the controller dials it)")
        return
    _run_standalone(ctx, campaigns, name)


def _run_standalone(ctx: click.Context, campaigns: CampaignStore, name: str) -> None:
    from fsapp.switch import Switch

    config = config_from(ctx)
    switch = Switch(config.switch.host, config.switch.port, config.switch.password,
                    connect_timeout=config.switch.connect_timeout).start()
    runner = _guard(lambda: CampaignRunner(campaigns, switch, name, outbound=config.outbound))
    try:
        _guard(lambda: switch.wait_connected(config.switch.connect_timeout))
        summary = _guard(runner.run)
    except KeyboardInterrupt:
        runner.stop()
        summary = runner.summary
    finally:
        switch.stop()
    click.echo(f"{name}: {summary.started} calls started ({summary.stopped_because}); "
               + ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items())))


def _status_command(command_name: str, status: str, allowed: tuple[str, ...], help_text: str) -> click.Command:
    @click.command(command_name, help=help_text)
    @click.argument("name")
    @DB_OPTION
    @click.pass_context
    def command(ctx: click.Context, name: str, db_url: str | None) -> None:
        info = _guard(lambda: _campaigns(ctx, db_url).set_status(name, status, allowed_from=allowed))
        click.echo(f"{name}: {info.status}")

    return command


campaign.add_command(_status_command("pause", "paused", ("running", "ready"),
                                     "Pause campaign NAME (a running controller stops dialing within a second)."))
campaign.add_command(_status_command("resume", "running", ("paused",), "Resume a paused campaign NAME."))


@campaign.command("status")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True)
@DB_OPTION
@click.pass_context
def status(ctx: click.Context, name: str | None, as_json: bool, db_url: str | None) -> None:
    """Contacts by status of campaign NAME (all campaigns without NAME)."""
    campaigns = _campaigns(ctx, db_url)
    infos = [_guard(lambda: campaigns.get(name))] if name else campaigns.list()
    rows = [{"name": i.name, "mode": i.mode, "status": i.status, **campaigns.counts(i.id)} for i in infos]
    if as_json:
        print_json(rows)
        return
    print_table(["name", "mode", "status", "total", "pending", "in_progress", "done"],
                [[r["name"], r["mode"], r["status"], r["total"], r["pending"], r["in_progress"], r["done"]]
                 for r in rows])


@campaign.command("report")
@click.argument("name")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "png"]), default="table",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File for png (default: NAME.png).")
@DB_OPTION
@click.pass_context
def report(ctx: click.Context, name: str, output_format: str, output: str | None, db_url: str | None) -> None:
    """Results, attempts by outcome and hangup cause, attempts per hour, for campaign NAME."""
    figures = _guard(lambda: campaign_report(_campaigns(ctx, db_url), name))
    if output_format == "csv":
        click.echo(figures.to_csv(), nl=False)
    elif output_format == "png":
        click.echo(str(figures.to_png(output or f"{name}.png")))
    else:
        print_table(["section", "key", "count"], figures.rows())
        click.echo(f"\nreach rate: {figures.reach_rate:.1%}")


@click.group()
def callbacks() -> None:
    """Callback requests from the IVR, the queues, operators and case closure."""


@callbacks.command("list")
@click.option("--due", is_flag=True, help="Only callbacks that may be dialed now.")
@click.option("--owner", help="Only this owner's callbacks.")
@click.option("--json", "as_json", is_flag=True)
@DB_OPTION
@click.pass_context
def list_callbacks(ctx: click.Context, due: bool, owner: str | None, as_json: bool, db_url: str | None) -> None:
    """Pending callbacks in line order."""
    book = CallbackBook(open_cli_store(ctx, db_url, migrate=True))
    items = _guard(lambda: book.scheduled(owner=owner, due_only=due))
    if as_json:
        print_json([item.__dict__ for item in items])
        return
    print_table(["id", "number", "source", "queue", "owner", "since", "window", "attempts", "due"],
                [[i.id, i.number, i.source, i.queue, i.owner, _when(i.place),
                  f"{_when(i.window_start)}-{_when(i.window_end)}" if i.window_start or i.window_end else "",
                  f"{i.attempts}/{i.max_attempts}", "yes" if i.due else ""] for i in items])


@callbacks.command("add")
@click.argument("number")
@click.option("--owner", help="Agent whose phone rings at the set time (the queue takes it while they are away).")
@click.option("--queue", help="Queue of the callback (default: the owner's first queue).")
@click.option("--at", "at", help="When to call, local time 'YYYY-MM-DD HH:MM' (default: now).")
@click.option("--within", type=float, default=2.0, show_default=True, help="Hours the callback may wait after --at.")
@click.option("--case", "case_reference", help="The case the callback is about.")
@DB_OPTION
@click.pass_context
def add_callback(ctx: click.Context, number: str, owner: str | None, queue: str | None, at: str | None,
                 within: float, case_reference: str | None, db_url: str | None) -> None:
    """Ask for NUMBER to be called back (e.g. an operator's 'call back Tuesday 10:00')."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(config_from(ctx).timezone)
    try:
        start = datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=zone) if at else None
    except ValueError as exc:
        raise click.BadParameter(f"{at!r}: use 'YYYY-MM-DD HH:MM'", param_hint="--at") from exc
    end = start + timedelta(hours=within) if start else None
    book = CallbackBook(open_cli_store(ctx, db_url, migrate=True))
    request_id = _guard(lambda: book.request(number, source="operator", owner=owner, queue=queue,
                                             case_reference=case_reference, window_start=start, window_end=end))
    click.echo(f"callback {request_id}: {number}" + (f" at {at}" if at else "") + (f" for {owner}" if owner else ""))


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


COMMANDS: list[click.Command] = [campaign, callbacks]
