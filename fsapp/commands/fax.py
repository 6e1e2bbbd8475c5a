"""``fsapp fax``: send a fax from a case, list the faxes kept."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from fsapp.commands.common import config_from, print_json, print_table
from fsapp.commands.store import open_store_for, store_options
from fsapp.errors import FsappError
from fsapp.esl.errors import ESLError
from fsapp.fax.outbox import prepare, record, transmit
from fsapp.switch.service import Switch


@click.group("fax")
def fax() -> None:
    """Fax out from a case; the published fax number is `fax.number` (see README: Fax)."""


@fax.command("send")
@click.option("--case", "reference", required=True, help="The case the fax is about (it is kept there).")
@click.option("--number", required=True, help="The fax number to send to (E.164 or national).")
@click.argument("document", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@store_options
@click.pass_context
def send(ctx: click.Context, reference: str, number: str, document: Path | None, as_json: bool,
         db_url: str | None, actor: str) -> None:
    """Send DOCUMENT (PDF, TIFF or picture) to NUMBER and keep it on the case. Exit status 1 if it failed.

    Without DOCUMENT, a one-page letter about the case is sent (its reference, category, status and dates, and
    the fax number to reply to; never its description or notes).

    The command places the call itself, over the switch's Event Socket, beside a running controller (which
    it leaves every other call to)."""
    config = config_from(ctx)
    store = open_store_for(ctx, db_url)
    now = lambda: datetime.now(timezone.utc)  # noqa: E731
    try:
        job = prepare(store, config, reference, number, document, now)
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    switch = Switch(config.switch.host, config.switch.port, config.switch.password, drives_calls=False,
                    connect_timeout=config.switch.connect_timeout, command_timeout=config.switch.command_timeout)
    try:
        switch.start()
        switch.wait_connected(config.switch.connect_timeout + 5.0)
        result = transmit(switch, config, job)
    except ESLError as exc:
        job.tiff.path.unlink(missing_ok=True)
        raise click.ClickException(f"cannot reach the switch: {exc}") from exc
    finally:
        switch.stop()
    sent = record(store, config, job, result, actor)
    answer = {"case": job.reference, "number": sent.number, "interaction": sent.interaction, "pages": sent.pages,
              "success": result.success, "pages_sent": result.pages, "result": result.text, "code": result.code}
    if as_json:
        print_json(answer)
    else:
        click.echo(f"fax to {sent.number}: {result.summary()} (contact {sent.interaction} on case {job.reference})")
    if not result.success:
        ctx.exit(1)


@fax.command("list")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@store_options
@click.pass_context
def list_faxes(ctx: click.Context, limit: int, as_json: bool, db_url: str | None, actor: str) -> None:
    """The newest fax contacts, in and out, with their files."""
    store = open_store_for(ctx, db_url)
    rows = store.fax_contacts(limit)
    if as_json:
        for row in rows:
            print_json(row)
        return
    print_table(["id", "at", "dir", "address", "case", "pages", "subject"],
                [[r["id"], r["at"], r["direction"], r["address"], r["case_reference"] or r["unverified_case"] or "",
                  r["pages"], r["subject"]] for r in rows])


COMMANDS = [fax]
