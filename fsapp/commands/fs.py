"""``fsapp fs``: a scriptable fs_cli over the Event Socket."""

from __future__ import annotations

import json
import re

import click

from fsapp.commands.common import config_from, print_json
from fsapp.esl.connection import ESLConnection
from fsapp.esl.errors import ESLError, ESLTimeout
from fsapp.switch.reconcile import channel_rows

_VERSION = re.compile(r"FreeSWITCH \(Version ([^)]*)\)")


def _switch_options(function: click.decorators.FC) -> click.decorators.FC:
    function = click.option("--password", help="Event Socket password (default: from the configuration).")(function)
    function = click.option("--port", type=int, help="Event Socket port (default: from the configuration).")(function)
    function = click.option("--host", help="Switch address (default: from the configuration).")(function)
    function = click.option("--timeout", type=float, default=5.0, show_default=True,
                            help="Seconds to wait for the switch.")(function)
    return function


def _connect(ctx: click.Context, host: str | None, port: int | None, password: str | None,
             timeout: float) -> ESLConnection:
    config = config_from(ctx, switch__host=host, switch__port=port, switch__password=password)
    switch = config.switch
    connection = ESLConnection(switch.host, switch.port, switch.password, connect_timeout=timeout,
                               command_timeout=timeout)
    try:
        return connection.connect()
    except ESLError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("fs")
def fs() -> None:
    """Talk to FreeSWITCH directly: status, api commands, events."""


@fs.command("status")
@_switch_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def status(ctx: click.Context, host: str | None, port: int | None, password: str | None, timeout: float,
           as_json: bool) -> None:
    """Print the switch's version and how many channels it has."""
    connection = _connect(ctx, host, port, password, timeout)
    try:
        text = connection.api("status")
        channels = len(channel_rows(connection.api("show channels as json")))
        connection.exit()
    except ESLError as exc:
        raise click.ClickException(str(exc)) from exc
    match = _VERSION.search(text)
    result = {"switch": connection.address, "version": match.group(1) if match else "unknown",
              "channels": channels, "ready": "is ready" in text}
    if as_json:
        print_json(result)
    else:
        click.echo(f"switch   {result['switch']}\nversion  {result['version']}\n"
                   f"ready    {'yes' if result['ready'] else 'no'}\nchannels {channels}")


@fs.command("api")
@_switch_options
@click.argument("command", nargs=-1, required=True)
@click.pass_context
def api(ctx: click.Context, host: str | None, port: int | None, password: str | None, timeout: float,
        command: tuple[str, ...]) -> None:
    """Run an api command and print what the switch answers (exit 1 on -ERR)."""
    connection = _connect(ctx, host, port, password, timeout)
    try:
        body = connection.api(" ".join(command))
        connection.exit()
    except ESLError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(body, nl=not body.endswith("\n"))
    if body.startswith("-ERR"):
        ctx.exit(1)


@fs.command("events")
@_switch_options
@click.option("--count", "-n", type=int, default=10, show_default=True, help="Stop after this many events.")
@click.option("--event", "names", multiple=True, default=["ALL"], show_default=True,
              help="Event name to subscribe to (repeatable; CUSTOM subclasses as sub::class).")
@click.option("--wait", type=float, default=60.0, show_default=True, help="Give up after this many seconds.")
@click.pass_context
def events(ctx: click.Context, host: str | None, port: int | None, password: str | None, timeout: float,
           count: int, names: tuple[str, ...], wait: float) -> None:
    """Stream events as JSON lines."""
    connection = _connect(ctx, host, port, password, timeout)
    try:
        connection.subscribe(names)
        for _ in range(count):
            event = connection.next_event(timeout=wait)
            if event is None:
                raise click.ClickException(f"switch {connection.address} closed the connection")
            record = dict(event.headers)
            if event.body:
                record["_body"] = event.body
            click.echo(json.dumps(record, ensure_ascii=False))
        connection.exit()
    except ESLTimeout as exc:
        raise click.ClickException(str(exc)) from exc
    except ESLError as exc:
        raise click.ClickException(str(exc)) from exc


COMMANDS = [fs]
