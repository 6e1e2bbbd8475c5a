"""``fsapp open311 keys`` (the applications that may post service requests) and ``fsapp contacts`` (inbound
messages whose case reference could not be verified)."""

from __future__ import annotations

import click

from fsapp.commands.common import print_json, print_table
from fsapp.commands.store import _run, _when, open_store_for, store_options
from fsapp.store import display_reference, to_jsonable
from fsapp.store.open311keys import DEFAULT_RATE_PER_MINUTE


@click.group("open311")
def open311() -> None:
    """Open311 GeoReport v2: the applications that may post service requests."""


@open311.group("keys")
def keys() -> None:
    """Each application (a citizen app, the city's website) gets its own key: revocable, rate-limited."""


@keys.command("add")
@store_options
@click.argument("application")
@click.option("--rate", "rate", type=click.IntRange(1, 10_000), default=DEFAULT_RATE_PER_MINUTE, show_default=True,
              help="Requests a minute this key may make.")
@click.pass_context
def keys_add(ctx: click.Context, db_url: str | None, actor: str, application: str, rate: int) -> None:
    """Make a key for APPLICATION and print it (this once: only its hash is kept)."""
    store = open_store_for(ctx, db_url)
    key = _run(lambda: store.add_open311_key(application, actor, rate))
    click.echo(key)
    click.echo(f"Open311 key for {application} ({rate} requests a minute); give it to the application now: "
               "it is not shown again.", err=True)


@keys.command("list")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def keys_list(ctx: click.Context, db_url: str | None, actor: str, as_json: bool) -> None:
    """Every application's key (never the key itself), revoked ones included."""
    store = open_store_for(ctx, db_url)
    found = store.open311_keys()
    if as_json:
        print_json([to_jsonable(k) for k in found])
        return
    print_table(["application", "rate/min", "created", "by", "revoked"],
                [[k.application, k.rate_per_minute, _when(k.created_at), k.created_by, _when(k.revoked_at)]
                 for k in found])


@keys.command("revoke")
@store_options
@click.argument("application")
@click.pass_context
def keys_revoke(ctx: click.Context, db_url: str | None, actor: str, application: str) -> None:
    """Revoke APPLICATION's key at once (a running controller refuses it from the next request)."""
    store = open_store_for(ctx, db_url)
    _run(lambda: store.revoke_open311_key(application, actor))
    click.echo(f"Open311 key of {application} revoked")


@click.group("contacts")
def contacts() -> None:
    """Inbound e-mail and SMS quoting a case whose sender is not that case's citizen."""


@contacts.command("unverified")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def contacts_unverified(ctx: click.Context, db_url: str | None, actor: str, as_json: bool) -> None:
    """Messages waiting for an operator to confirm the case they quote."""
    store = open_store_for(ctx, db_url)
    rows = store.unverified_contacts()
    if as_json:
        print_json(to_jsonable(rows))
        return
    print_table(["id", "received", "channel", "from", "quotes case", "subject"],
                [[r["id"], _when(r["at"]), r["channel"], r["address"], display_reference(r["case"]), r["subject"]]
                 for r in rows])


@contacts.command("confirm")
@store_options
@click.argument("interaction_id", type=int)
@click.pass_context
def contacts_confirm(ctx: click.Context, db_url: str | None, actor: str, interaction_id: int) -> None:
    """Link message INTERACTION_ID to the case it quotes (you checked it is the citizen's)."""
    store = open_store_for(ctx, db_url)
    reference = _run(lambda: store.confirm_contact(interaction_id, actor))
    click.echo(f"contact {interaction_id} linked to case {display_reference(reference)}")


@contacts.command("dismiss")
@store_options
@click.argument("interaction_id", type=int)
@click.pass_context
def contacts_dismiss(ctx: click.Context, db_url: str | None, actor: str, interaction_id: int) -> None:
    """Leave message INTERACTION_ID unlinked."""
    store = open_store_for(ctx, db_url)
    _run(lambda: store.dismiss_contact_claim(interaction_id, actor))
    click.echo(f"contact {interaction_id} left unlinked")


COMMANDS: list[click.Command] = [open311, contacts]
