"""The ``fsapp`` command line: a thin click group; each area's commands live in fsapp.commands."""

from __future__ import annotations

import importlib
import logging

import click

from fsapp import __version__

# Each module defines ``COMMANDS: list[click.Command]``.
COMMAND_MODULES = [
    "fsapp.commands.fs",
    "fsapp.commands.run",
    "fsapp.commands.demo",
    "fsapp.commands.ivr",
    "fsapp.commands.store",
    "fsapp.commands.public",
    "fsapp.commands.campaign",
    "fsapp.commands.conf",
    "fsapp.commands.doctor",
    "fsapp.commands.simulate",
    "fsapp.commands.supervisor",
    "fsapp.commands.desk",
    "fsapp.commands.fax",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fsapp")
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False),
              envvar="FSAPP_CONFIG", help="Configuration file (default: conf/fsapp.yaml if present).")
@click.option("--log-level", default="warning", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]), help="Logging threshold.")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """fsapp: a citizen contact center on FreeSWITCH."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


def _register() -> None:
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        for command in module.COMMANDS:
            main.add_command(command)


_register()

if __name__ == "__main__":
    main()
