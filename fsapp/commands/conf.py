"""``fsapp conf render``: FreeSWITCH configuration from fsapp.yaml and the queues/agents file."""

from __future__ import annotations

from pathlib import Path

import click

from fsapp.acd.loader import load_acd_config
from fsapp.commands.common import config_from, print_json
from fsapp.errors import FsappError
from fsapp.render import PIECES, render_config
from fsapp.render.render import PASSWORD_FILES


@click.group("conf")
def conf() -> None:
    """Render the switch's configuration."""


@conf.command("render")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to write into, laid out like FreeSWITCH's conf directory.")
@click.option("--only", "pieces", multiple=True, type=click.Choice(PIECES),
              help="Render only this piece (repeatable), to drop into an existing FreeSWITCH; "
                   "kamailio (the nodes' load balancer) is rendered only when asked for.")
@click.option("--json", "as_json", is_flag=True, help="Print the files written as one JSON list.")
@click.pass_context
def render(ctx: click.Context, out_dir: str, pieces: tuple[str, ...], as_json: bool) -> None:
    """Write event socket, ACL, SIP profiles, directory, dialplan, feature codes and hold music."""
    config = config_from(ctx)
    try:
        acd = load_acd_config(config.acd.file)
        written = render_config(config, acd, Path(out_dir), pieces)
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json([str(path) for path in written])
        return
    for path in written:
        click.echo(str(path))
    if any(path.is_relative_to(out_dir) and path.relative_to(out_dir).as_posix() in PASSWORD_FILES
           for path in written):
        click.echo(f"softphone passwords: {config.freeswitch.secrets_file} (readable by its owner only)")


COMMANDS = [conf]
