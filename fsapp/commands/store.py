"""``fsapp cases``, ``fsapp citizens`` and ``fsapp db``: the case store from the command line."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import asdict
from collections.abc import Callable
from typing import Any, TypeVar

import click

from fsapp.commands.common import config_from, print_json, print_table
from fsapp.dialer.campaigns import CampaignStore
from fsapp.dialer.erasure import attach_erasure
from fsapp.dialer.surveys import attach_case_surveys
from fsapp.errors import FsappError
from fsapp.register import sync_register
from fsapp.store import (CaseDetail, CaseSummary, CitizenRecord, ImportReport, Store, display_reference,
                         open_store, to_jsonable)
from fsapp.store.migrations import LATEST
from fsapp.store.retention import RetentionPolicy

F = TypeVar("F", bound=Callable[..., Any])


def store_options(function: F) -> F:
    function = click.option("--actor", envvar="FSAPP_ACTOR", default=lambda: _default_actor(),
                            show_default="login name", help="Who is acting (for history and audit).")(function)
    function = click.option("--db", "db_url", envvar="FSAPP_DATABASE_URL",
                            help="Database URL (default: database.url from the configuration).")(function)
    return function  # type: ignore[return-value]


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "cli")


def open_store_for(ctx: click.Context, db_url: str | None, migrate: bool = False) -> Store:
    config = config_from(ctx)
    url = db_url or config.database.url
    try:
        store = open_store(url, region=config.region, migrate=False)
        version = store.schema_version()
        if version == 0 or migrate:
            store.migrate()
        if version == 0:   # a fresh database gets the register's categories at once
            sync_register(store, config.register.file)
        elif version < LATEST:
            raise click.ClickException(f"the database schema is at version {version}, this program needs "
                                       f"{LATEST}: run `fsapp db migrate`")
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    ctx.call_on_close(store.close)
    attach_case_surveys(store, CampaignStore.of(store), config.surveys.after_case_closed)   # closing asks a survey
    return store


def _run(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _print_cases(cases: list[CaseSummary], as_json: bool) -> None:
    if as_json:
        print_json([to_jsonable(c) for c in cases])
        return
    print_table(["reference", "status", "category", "received", "deadline", "assignee", "overdue"],
                [[display_reference(c.reference), c.status, c.category, _when(c.received_at), _when(c.deadline),
                  c.assignee, "yes" if c.overdue else ""] for c in cases])


def _print_case(detail: CaseDetail, as_json: bool) -> None:
    if as_json:
        print_json(to_jsonable(detail))
        return
    summary = detail.summary
    print_table(["field", "value"], [
        ["reference", display_reference(summary.reference)], ["status", summary.status],
        ["category", summary.category], ["department", summary.department], ["assignee", summary.assignee],
        ["citizen", summary.citizen_id], ["channel", detail.channel], ["received", _when(summary.received_at)],
        ["deadline", _when(summary.deadline) + (" (overdue)" if summary.overdue else "")],
        ["description", detail.description],
    ] + [[f"field {k}", v] for k, v in detail.custom_values.items()])
    click.echo()
    print_table(["when", "who", "what", "from", "to"],
                [[_when(e.at), e.actor, e.kind, e.old_value, e.new_value] for e in detail.history])
    if detail.notes:
        click.echo()
        print_table(["when", "who", "note"], [[_when(n.at), n.author, n.text] for n in detail.notes])


def _print_citizens(citizens: list[CitizenRecord], as_json: bool) -> None:
    if as_json:
        print_json([to_jsonable(c) for c in citizens])
        return
    print_table(["id", "name", "phones", "email", "address", "language"],
                [[c.id, c.name, " ".join(c.phones), c.email, c.address, c.language] for c in citizens])


@click.group("cases")
def cases() -> None:
    """Find, show, open and move cases."""


@cases.command("find")
@store_options
@click.option("--status", help="Only cases with this status.")
@click.option("--category", help="Only cases of this category code.")
@click.option("--citizen", "citizen_id", type=int, help="Only this citizen's cases.")
@click.option("--assignee", help="Only cases assigned to this person.")
@click.option("--text", default="", help="Text in the description.")
@click.option("--open", "open_only", is_flag=True, help="Only open cases.")
@click.option("--overdue", is_flag=True, help="Only open cases past their deadline (the alert list).")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def cases_find(ctx: click.Context, db_url: str | None, actor: str, status: str | None, category: str | None,
               citizen_id: int | None, assignee: str | None, text: str, open_only: bool, overdue: bool,
               limit: int, as_json: bool) -> None:
    """List cases, newest first (overdue ones first with --overdue)."""
    store = open_store_for(ctx, db_url)
    if overdue:
        found = _run(lambda: store.overdue_cases(limit))
    else:
        found = _run(lambda: store.find_cases(status=status, category=category, citizen_id=citizen_id,
                                              assignee=assignee, text=text, open_only=open_only, limit=limit))
    _print_cases(found, as_json)


@cases.command("show")
@store_options
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def cases_show(ctx: click.Context, db_url: str | None, actor: str, reference: str, as_json: bool) -> None:
    """Show one case with its history and notes."""
    store = open_store_for(ctx, db_url)
    _print_case(_run(lambda: store.get_case(reference, actor=actor)), as_json)


@cases.command("new")
@store_options
@click.option("--category", required=True, help="Category code.")
@click.option("--description", "-d", required=True, help="What the citizen asks for.")
@click.option("--citizen", "citizen_id", type=int, help="The citizen's id.")
@click.option("--phone", help="Find the citizen by this phone number.")
@click.option("--channel", default="phone", show_default=True, help="Where the request came from.")
@click.option("--field", "fields", multiple=True, metavar="NAME=VALUE", help="A custom field (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def cases_new(ctx: click.Context, db_url: str | None, actor: str, category: str, description: str,
              citizen_id: int | None, phone: str | None, channel: str, fields: tuple[str, ...],
              as_json: bool) -> None:
    """Open a case and print its reference."""
    store = open_store_for(ctx, db_url)
    values = {}
    for item in fields:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--field")
        values[name.strip()] = value.strip()
    if phone and citizen_id is None:
        caller = _run(lambda: store.lookup_caller(phone))
        if caller.citizen is None:
            raise click.ClickException(f"no citizen with phone {phone}")
        citizen_id = caller.citizen.id
    case = _run(lambda: store.new_case(category, description, actor, citizen_id=citizen_id, channel=channel,
                                       custom_values=values))
    _print_cases([case], as_json)


@cases.command("assign")
@store_options
@click.argument("reference")
@click.argument("assignee")
@click.option("--department", help="Move the case to this department too.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def cases_assign(ctx: click.Context, db_url: str | None, actor: str, reference: str, assignee: str,
                 department: str | None, as_json: bool) -> None:
    """Assign a case to a person."""
    store = open_store_for(ctx, db_url)
    _print_cases([_run(lambda: store.assign_case(reference, assignee, actor, department))], as_json)


@cases.command("status")
@store_options
@click.argument("reference")
@click.argument("status", required=False)
@click.option("--note", help="A note for the citizen with the change.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def cases_status(ctx: click.Context, db_url: str | None, actor: str, reference: str, status: str | None,
                 note: str | None, as_json: bool) -> None:
    """Show a case's status, or move it to STATUS (received, accepted, ..., closed, reopened)."""
    store = open_store_for(ctx, db_url)
    if status is None:
        summary = _run(lambda: store.case_status(reference))
    else:
        summary = _run(lambda: store.change_status(reference, status, actor, note))
    _print_cases([summary], as_json)


@cases.command("note")
@store_options
@click.argument("reference")
@click.argument("text")
@click.option("--public", is_flag=True, help="The citizen may see this note.")
@click.pass_context
def cases_note(ctx: click.Context, db_url: str | None, actor: str, reference: str, text: str,
               public: bool) -> None:
    """Add a note to a case."""
    store = open_store_for(ctx, db_url)
    _run(lambda: store.add_note(reference, text, actor, internal=not public))
    click.echo(f"note added to {display_reference(reference.replace('-', '').replace(' ', ''))}")


@cases.command("publish")
@store_options
@click.argument("reference")
@click.argument("text")
@click.pass_context
def cases_publish(ctx: click.Context, db_url: str | None, actor: str, reference: str, text: str) -> None:
    """Show a case on Open311 with TEXT as its public description (its address and position are shown too;
    the internal description, the citizen and the notes never are)."""
    store = open_store_for(ctx, db_url)
    _run(lambda: store.publish_case(reference, text, actor))
    click.echo(f"{display_reference(reference.replace('-', '').replace(' ', ''))} is public on Open311")


@cases.command("unpublish")
@store_options
@click.argument("reference")
@click.pass_context
def cases_unpublish(ctx: click.Context, db_url: str | None, actor: str, reference: str) -> None:
    """Take a case off Open311."""
    store = open_store_for(ctx, db_url)
    _run(lambda: store.unpublish_case(reference, actor))
    click.echo(f"{display_reference(reference.replace('-', '').replace(' ', ''))} is no longer on Open311")


@click.group("citizens")
def citizens() -> None:
    """Find, show and erase citizens."""


@citizens.command("find")
@store_options
@click.argument("text", default="")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def citizens_find(ctx: click.Context, db_url: str | None, actor: str, text: str, limit: int,
                  as_json: bool) -> None:
    """Find citizens by name, e-mail, address, external id or phone number."""
    store = open_store_for(ctx, db_url)
    _print_citizens(_run(lambda: store.find_citizens(text, limit)), as_json)


@citizens.command("show")
@store_options
@click.argument("citizen_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def citizens_show(ctx: click.Context, db_url: str | None, actor: str, citizen_id: int, as_json: bool) -> None:
    """Show a citizen with their cases (the read is audited)."""
    store = open_store_for(ctx, db_url)
    citizen = _run(lambda: store.get_citizen(citizen_id, actor=actor))
    their_cases = _run(lambda: store.find_cases(citizen_id=citizen_id))
    if as_json:
        print_json({"citizen": to_jsonable(citizen), "cases": [to_jsonable(c) for c in their_cases]})
        return
    _print_citizens([citizen], False)
    click.echo()
    _print_cases(their_cases, False)


@citizens.command("erase")
@store_options
@click.argument("citizen_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def citizens_erase(ctx: click.Context, db_url: str | None, actor: str, citizen_id: int, yes: bool,
                   as_json: bool) -> None:
    """Erase a citizen's personal data (anonymous statistics stay)."""
    store = open_store_for(ctx, db_url)
    attach_erasure(store)   # campaign contacts and attempts too
    if not yes:
        click.confirm(f"Erase all personal data of citizen {citizen_id}?", abort=True)
    report = _run(lambda: store.erase_citizen(citizen_id, actor))
    if as_json:
        print_json(to_jsonable(report))
    else:
        click.echo(f"citizen {citizen_id} erased: {report.cases} cases, {report.interactions} contacts, "
                   f"{report.calls} calls, {report.recordings} recordings, {report.files} files"
                   + "".join(f", {count} {what}" for what, count in report.elsewhere))


@click.group("db")
def db() -> None:
    """The database: schema migrations and imports."""


@db.command("migrate")
@click.option("--db", "db_url", envvar="FSAPP_DATABASE_URL", help="Database URL.")
@click.pass_context
def db_migrate(ctx: click.Context, db_url: str | None) -> None:
    """Upgrade the schema in place to the newest version."""
    config = config_from(ctx)
    try:
        store = open_store(db_url or config.database.url, region=config.region, migrate=False)
        applied = store.migrate()
        version = store.schema_version()
        store.close()
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    if applied:
        click.echo(f"applied migrations {', '.join(map(str, applied))}; schema is at version {version}")
    else:
        click.echo(f"schema is up to date (version {version})")


@db.command("retention")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def db_retention(ctx: click.Context, db_url: str | None, actor: str, as_json: bool) -> None:
    """Remove or anonymize what is older than the configuration's retention allows."""
    config = config_from(ctx)
    days = config.retention
    policy = RetentionPolicy(recordings_days=days.recordings_days or None,
                             transcripts_days=days.transcripts_days or None,
                             interactions_days=days.interactions_days or None,
                             closed_cases_days=days.closed_cases_days or None)
    store = open_store_for(ctx, db_url)
    report = _run(lambda: store.apply_retention(policy, actor=actor))
    if as_json:
        click.echo(json.dumps(asdict(report)))
    else:
        for name, count in asdict(report).items():
            click.echo(f"{name.replace('_', ' ')}: {count}")


@db.group("import")
def db_import() -> None:
    """Import registers from CSV or Excel (.xlsx)."""


def _print_import(report: ImportReport, as_json: bool) -> None:
    if as_json:
        print_json({"created": report.created, "updated": report.updated,
                    "problems": [{"row": p.row, "reason": p.reason} for p in report.problems]})
        return
    click.echo(f"{report.created} created, {report.updated} updated, {len(report.problems)} rows rejected")
    for problem in report.problems:
        click.echo(f"row {problem.row}: {problem.reason}", err=True)


def _import(ctx: click.Context, db_url: str | None, run_import: Callable[[Store], Any], as_json: bool) -> None:
    """Run one import, print its report, and exit 1 when no row at all could be imported."""
    store = open_store_for(ctx, db_url)
    report = _run(lambda: run_import(store))
    _print_import(report, as_json)
    if report.problems and not report.imported:
        ctx.exit(1)


@db_import.command("citizens")
@store_options
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def import_citizens(ctx: click.Context, db_url: str | None, actor: str, path: str, as_json: bool) -> None:
    """Import citizens; re-importing updates them (matched by external_id or phone)."""
    _import(ctx, db_url, lambda store: store.import_citizens(path, actor), as_json)


@db_import.command("properties")
@store_options
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def import_properties(ctx: click.Context, db_url: str | None, actor: str, path: str, as_json: bool) -> None:
    """Import properties (addresses, buildings, meters) and link them to citizens."""
    _import(ctx, db_url, lambda store: store.import_properties(path, actor), as_json)


COMMANDS: list[click.Command] = [cases, citizens, db]
