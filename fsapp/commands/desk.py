"""``fsapp users`` (the desk's people) and ``fsapp register`` (departments, categories, the Q&A guide)."""

from __future__ import annotations

import click

from fsapp.commands.common import config_from, print_json, print_table
from fsapp.commands.store import _run, open_store_for, store_options
from fsapp.desk.passwords import hash_password
from fsapp.register import apply_register, load_register
from fsapp.register.loader import RegisterError
from fsapp.store.desk import DESK_ROLES


@click.group("users")
def users() -> None:
    """People who sign in to the desk: operators, supervisors, admins."""


@users.command("add")
@store_options
@click.argument("name")
@click.option("--role", type=click.Choice(DESK_ROLES), default="operator", show_default=True)
@click.option("--agent", help="The ACD agent this person is (operators: required).")
@click.option("--language", default="nb", show_default=True, help="The desk's language for this person.")
@click.option("--password", envvar="FSAPP_USER_PASSWORD", prompt=True, hide_input=True,
              confirmation_prompt=True, help="From a prompt, or FSAPP_USER_PASSWORD.")
@click.pass_context
def users_add(ctx: click.Context, db_url: str | None, actor: str, name: str, role: str, agent: str | None,
              language: str, password: str) -> None:
    """Create a person who may sign in to the desk."""
    config = config_from(ctx)
    if role == "operator" and not agent:
        raise click.BadParameter("an operator is an agent: give --agent", param_hint="--agent")
    if agent:
        from fsapp.acd.loader import load_acd_config

        known = _run(lambda: load_acd_config(config.acd.file)).agents
        if agent not in known:
            raise click.BadParameter(f"no agent {agent!r} in {config.acd.file}", param_hint="--agent")
    store = open_store_for(ctx, db_url)
    password_hash = _run(lambda: hash_password(password))
    _run(lambda: store.add_desk_user(name, role, password_hash, agent=agent, language=language, actor=actor))
    click.echo(f"user {name} added ({role}{', agent ' + agent if agent else ''})")


@users.command("list")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def users_list(ctx: click.Context, db_url: str | None, actor: str, as_json: bool) -> None:
    """Everyone who may sign in, and who is disabled."""
    rows = _run(lambda: open_store_for(ctx, db_url).desk_users())
    if as_json:
        print_json(rows)
        return
    print_table(["name", "role", "agent", "language", "disabled"],
                [[r["name"], r["role"], r["agent"] or "", r["language"], "yes" if r["disabled"] else ""] for r in rows])


@users.command("disable")
@store_options
@click.argument("name")
@click.option("--enable", is_flag=True, help="Let the person sign in again.")
@click.pass_context
def users_disable(ctx: click.Context, db_url: str | None, actor: str, name: str, enable: bool) -> None:
    """Stop a person from signing in (their sessions end at their next request)."""
    _run(lambda: open_store_for(ctx, db_url).set_desk_user_disabled(name, not enable, actor))
    click.echo(f"user {name} {'enabled' if enable else 'disabled'}")


@click.group("register")
def register() -> None:
    """The case register in register.file: departments, categories, custom fields, the Q&A guide."""


@register.command("check")
@click.argument("path", required=False)
@click.pass_context
def register_check(ctx: click.Context, path: str | None) -> None:
    """Check the register file (default: register.file) and say what it holds."""
    target = path or config_from(ctx).register.file
    try:
        found = load_register(target)
    except RegisterError as exc:
        raise click.ClickException(exc.located()) from exc
    click.echo(f"{target}: {len(found.departments)} departments, {len(found.categories)} categories")


@register.command("load")
@store_options
@click.argument("path", required=False)
@click.pass_context
def register_load(ctx: click.Context, db_url: str | None, actor: str, path: str | None) -> None:
    """Load the register file into the store (created or updated by code; nothing is deleted)."""
    target = path or config_from(ctx).register.file
    try:
        found = load_register(target)
    except RegisterError as exc:
        raise click.ClickException(exc.located()) from exc
    counts = _run(lambda: apply_register(open_store_for(ctx, db_url), found, actor))
    click.echo(f"{target} loaded: {counts['departments']} departments, {counts['categories']} categories, "
               f"{counts['guide']} guide entries")


COMMANDS: list[click.Command] = [users, register]
