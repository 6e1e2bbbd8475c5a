"""Supervisor commands over the control API: monitor, agents, queues, listen/whisper/barge and supervise, recordings,
reports, alerts. Each takes ``--token`` (or FSAPP_API_TOKEN) and ``--url`` (default: api.listen:api.port).
``agent away``/``agent back`` write staff's away notes straight to the store (``--db``)."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import click

from fsapp.acd.loader import load_acd_config
from fsapp.api.client import ApiClient, ApiClientError
from fsapp.commands.common import config_from, print_json, print_table
from fsapp.commands.store import open_store_for, store_options
from fsapp.errors import FsappError
from fsapp.reports.tables import CHART_COLUMNS, REPORTS
from fsapp.supervise.modes import DIGITS


def api_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--url``, ``--token`` and ``--json``; the command receives ``client`` and ``as_json``."""
    @click.option("--url", envvar="FSAPP_API_URL", help="Control API base URL (default: api.listen:api.port).")
    @click.option("--token", envvar="FSAPP_API_TOKEN", help="API token (or FSAPP_API_TOKEN).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
    @click.pass_context
    @functools.wraps(command)
    def wrapper(ctx: click.Context, url: str | None, token: str | None, as_json: bool, **kwargs: Any) -> Any:
        if not token:
            raise click.ClickException("no API token: give --token or set FSAPP_API_TOKEN")
        if not url:
            config = config_from(ctx)
            url = f"http://{config.api.listen}:{config.api.port}"
        try:
            return command(client=ApiClient(url, token), as_json=as_json, **kwargs)
        except ApiClientError as exc:
            raise click.ClickException(_explain(exc)) from exc
    return wrapper


def _explain(exc: ApiClientError) -> str:
    if exc.status == 403:
        return f"refused: this token's role may not do that ({exc})"
    if exc.status == 401:
        return f"refused: the token is not accepted ({exc})"
    return str(exc)


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    value = int(value)
    return f"{value // 60}:{value % 60:02d}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


# -- monitor ----------------------------------------------------------------------------------------------------

def _queue_rows(picture: dict[str, Any]) -> list[list[Any]]:
    return [[q["name"], q["waiting"], _seconds(q["longest_wait"]), _percent(q["service_level_today"]),
             _percent(q["service_level_target"]),
             " ".join(f"{state}={count}" for state, count in sorted(q["agents"].items()))]
            for q in picture["queues"]]


QUEUE_HEADERS = ["queue", "waiting", "longest", "SL today", "target", "agents"]
AGENT_HEADERS = ["agent", "state", "for", "reason", "queue", "caller"]
CALL_HEADERS = ["call", "caller", "state", "queue", "path", "agent", "waited", "duration"]


def _agent_rows(picture: dict[str, Any]) -> list[list[Any]]:
    return [[a["id"], a["state"], _seconds(a["time_in_state"]), a["reason"], a["queue"], a["caller"]]
            for a in picture["agents"]]


def _call_rows(picture: dict[str, Any]) -> list[list[Any]]:
    return [[c["uuid"][:8], c["caller"], c["state"], c["queue"], ">".join(c["path"]), c["agent"],
             _seconds(c["waited"]), _seconds(c["duration"])] for c in picture["calls"]]


def _dashboard(picture: dict[str, Any]) -> Any:
    from rich.console import Group
    from rich.table import Table

    def table(title: str, headers: list[str], rows: list[list[Any]]) -> Table:
        result = Table(title=title, title_justify="left")
        for header in headers:
            result.add_column(header)
        for row in rows:
            result.add_row(*("" if cell is None else str(cell) for cell in row))
        return result
    return Group(table("Queues", QUEUE_HEADERS, _queue_rows(picture)),
                 table("Agents", AGENT_HEADERS, _agent_rows(picture)),
                 table("Calls", CALL_HEADERS, _call_rows(picture)))


def _apply(picture: dict[str, Any], kind: str, data: dict[str, Any]) -> None:
    """Fold one stream event into the picture the dashboard shows."""
    sections = {"queue": ("queues", "name"), "agent": ("agents", "id"), "call": ("calls", "uuid"),
                "supervision": ("supervision", "id")}
    base = kind.removesuffix("-ended")
    if base not in sections:
        return
    section, key = sections[base]
    rows = [row for row in picture[section] if row[key] != data[key]]
    if not kind.endswith("-ended"):
        rows.append(data)
    picture[section] = sorted(rows, key=lambda row: str(row[key])) if section != "queues" else rows


@click.command("monitor")
@click.option("--once", is_flag=True, help="Print one snapshot and exit.")
@api_options
def monitor(client: ApiClient, as_json: bool, once: bool) -> None:
    """Live dashboard of queues, agents and calls (updated from the event stream)."""
    if once:
        picture = client.get("/api/v1/state")
        if as_json:
            print_json(picture)
            return
        for title, headers, rows in (("Queues", QUEUE_HEADERS, _queue_rows(picture)),
                                     ("Agents", AGENT_HEADERS, _agent_rows(picture)),
                                     ("Calls", CALL_HEADERS, _call_rows(picture))):
            click.echo(f"{title}")
            print_table(headers, rows)
            click.echo("")
        return
    from rich.live import Live

    picture: dict[str, Any] = {}
    with Live(refresh_per_second=4) as live:
        for kind, data in client.events():
            if as_json:
                click.echo(json.dumps({"event": kind, "data": data}, default=str))
                continue
            if kind == "snapshot":
                picture = data
            elif kind == "end":
                break
            elif picture:
                _apply(picture, kind, data)
            live.update(_dashboard(picture))


# -- agents and queues ------------------------------------------------------------------------------------------

@click.group("agent")
def agent() -> None:
    """Log agents in and out, put them on break and back."""


def _agent_command(action: str, help_text: str) -> click.Command:
    @click.command(action, help=help_text)
    @click.argument("agent_id")
    @click.option("--reason", help="Break reason (break; login straight into a break).")
    @api_options
    def command(client: ApiClient, as_json: bool, agent_id: str, reason: str | None) -> None:
        result = client.post(f"/api/v1/agents/{agent_id}/{action}", {"reason": reason} if reason else {})
        print_json(result) if as_json else click.echo(f"{result['agent']}: {result['state']}")
    return command


for _action, _help in (("login", "Log an agent in."), ("logout", "Log an agent out."),
                       ("break", "Put an agent on break."), ("resume", "Bring an agent back from break.")):
    agent.add_command(_agent_command(_action, _help))


def _known_agent(ctx: click.Context, agent_id: str) -> str:
    """The configured agent id matching ``agent_id`` (any case)."""
    try:
        agents = load_acd_config(config_from(ctx).acd.file).agents
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    found = [known for known in agents if known.lower() == agent_id.lower()]
    if not found:
        raise click.ClickException(f"no agent {agent_id!r} in the queues/agents file")
    return found[0]


@agent.command("away")
@click.argument("agent_id")
@click.option("--until", "until_text", help="Back at (ISO date/time; local time zone unless given).")
@click.option("--note", default="", help="Read to callers of the direct number, e.g. \"Course\".")
@store_options
@click.pass_context
def agent_away(ctx: click.Context, db_url: str | None, actor: str, agent_id: str, until_text: str | None,
               note: str) -> None:
    """Mark a person away (out of office) until a time; their direct number's callers are told."""
    agent_id = _known_agent(ctx, agent_id)
    until = None
    if until_text:
        try:
            until = datetime.fromisoformat(until_text)
        except ValueError as exc:
            raise click.ClickException(f"--until {until_text!r}: expected e.g. 2026-11-24T08:00") from exc
        if until.tzinfo is None:
            until = until.replace(tzinfo=ZoneInfo(config_from(ctx).timezone))
    try:
        away = open_store_for(ctx, db_url, migrate=True).set_away(agent_id, until=until, note=note, set_by=actor)
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{agent_id}: away" + (f" until {until.isoformat(timespec='minutes')}" if until else "")
               + (f" ({away.note})" if away.note else ""))


@agent.command("back")
@click.argument("agent_id")
@store_options
@click.pass_context
def agent_back(ctx: click.Context, db_url: str | None, actor: str, agent_id: str) -> None:
    """Clear a person's away note."""
    agent_id = _known_agent(ctx, agent_id)
    try:
        cleared = open_store_for(ctx, db_url, migrate=True).clear_away(agent_id)
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{agent_id}: back" if cleared else f"{agent_id}: had no away note")


@click.group("queue")
def queue() -> None:
    """Queues' live figures."""


@queue.command("list")
@api_options
def queue_list(client: ApiClient, as_json: bool) -> None:
    """Every queue: waiting, longest wait, service level today, agents by state."""
    rows = client.get("/api/v1/queues")
    if as_json:
        print_json(rows)
        return
    print_table(QUEUE_HEADERS, _queue_rows({"queues": rows}))


@queue.command("show")
@click.argument("name")
@api_options
def queue_show(client: ApiClient, as_json: bool, name: str) -> None:
    """One queue with its waiting callers and its agents."""
    detail = client.get(f"/api/v1/queues/{name}")
    if as_json:
        print_json(detail)
        return
    print_table(QUEUE_HEADERS, _queue_rows({"queues": [detail]}))
    click.echo("\nWaiting")
    print_table(["pos", "call", "caller", "priority", "waited"],
                [[c["position"], c["uuid"], c["caller"], c["priority"], _seconds(c["waited"])] for c in detail["calls"]])
    click.echo("\nAgents")
    print_table(AGENT_HEADERS, _agent_rows({"agents": detail["members"]}))


# -- transfers -------------------------------------------------------------------------------------------------

@click.group("transfer")
def transfer() -> None:
    """Transfer a queue call: blind, or attended (consult, then complete, cancel or conference)."""


def _one_target(**targets: str | None) -> dict[str, str]:
    given = {key: value for key, value in targets.items() if value}
    if len(given) != 1:
        raise click.UsageError(f"give exactly one of {', '.join('--' + key for key in targets)}")
    return given


@transfer.command("blind")
@click.argument("call_uuid")
@click.option("--queue", help="Back in line in this queue (keeps the caller's priority).")
@click.option("--agent", help="Straight to this agent's phone.")
@click.option("--extension", help="To this extension of the dialplan.")
@click.option("--number", help="To this outside number.")
@api_options
def transfer_blind(client: ApiClient, as_json: bool, call_uuid: str, **targets: str | None) -> None:
    """Send a call elsewhere at once."""
    result = client.post(f"/api/v1/calls/{call_uuid}/transfer", _one_target(**targets))
    print_json(result) if as_json else click.echo(f"{call_uuid}: transferred")


@transfer.command("consult")
@click.argument("call_uuid")
@click.option("--agent", help="Ring this agent's phone.")
@click.option("--number", help="Ring this outside number.")
@click.option("--dial", help="Ring this dial string (e.g. user/2001).")
@api_options
def transfer_consult(client: ApiClient, as_json: bool, call_uuid: str, **targets: str | None) -> None:
    """Hold the caller on music and talk to someone first."""
    result = client.post(f"/api/v1/calls/{call_uuid}/consult", _one_target(**targets))
    print_json(result) if as_json else click.echo(
        f"{call_uuid}: consulting (leg {result['consult_leg']}); then: transfer complete|cancel|conference")


def _consult_step(step: str, help_text: str) -> click.Command:
    @click.command(step, help=help_text)
    @click.argument("call_uuid")
    @api_options
    def command(client: ApiClient, as_json: bool, call_uuid: str) -> None:
        result = client.post(f"/api/v1/calls/{call_uuid}/consult/{step}", {})
        print_json(result) if as_json else click.echo(f"{call_uuid}: {step}")
    return command


for _step, _help in (("complete", "Hand the caller to the party consulted."),
                     ("cancel", "Hang up the party consulted and go back to the caller."),
                     ("conference", "Join the caller, the operator and the party consulted.")):
    transfer.add_command(_consult_step(_step, _help))


# -- listen, whisper, barge ------------------------------------------------------------------------------------

def _eavesdrop_command(name: str, mode: str, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("agent_id")
    @click.option("--from", "extension", required=True, help="Your phone: extension or dial string.")
    @api_options
    def command(client: ApiClient, as_json: bool, agent_id: str, extension: str) -> None:
        try:
            session = client.post("/api/v1/supervision", {"agent": agent_id, "extension": extension, "mode": mode})
        except ApiClientError as exc:
            if exc.status == 409:
                raise click.ClickException(f"cannot {name} on {agent_id}: {str(exc).split(': ', 1)[-1]}") from exc
            raise
        if as_json:
            print_json(session)
            return
        click.echo(f"{mode} on {agent_id} (call {session['call_uuid']}) from {extension}; session {session['id']}. "
                   "On the phone: 0 listen, 1 caller, 2 agent (whisper), 3 both (barge); or "
                   f"`fsapp supervise mode {session['id']} MODE`, `fsapp supervise end {session['id']}`.")
    return command


@click.group("supervise")
def supervise() -> None:
    """Supervision sessions in progress: list them, change one's mode without ringing again, end one."""


def _session_path(session_id: str, tail: str = "") -> str:
    return f"/api/v1/supervision/{quote(session_id, safe='')}{tail}"


def _session_call(action: Callable[[], Any], session_id: str) -> Any:
    try:
        return action()
    except ApiClientError as exc:
        if exc.status == 404:
            raise click.ClickException(f"no supervision session {session_id} (`fsapp supervise list`)") from exc
        raise


@supervise.command("list")
@api_options
def supervise_list(client: ApiClient, as_json: bool) -> None:
    """Sessions in progress: id, agent, call, mode, who started it."""
    sessions = client.get("/api/v1/supervision")
    if as_json:
        print_json(sessions)
        return
    print_table(["session", "agent", "call", "mode", "from", "by"],
                [[s["id"], s["agent"], s["call_uuid"], s["mode"], s["extension"], s["actor"]] for s in sessions])


@supervise.command("mode")
@click.argument("session_id")
@click.argument("mode", type=click.Choice(list(DIGITS)))
@api_options
def supervise_mode(client: ApiClient, as_json: bool, session_id: str, mode: str) -> None:
    """Switch a session to listen, caller (speak to the caller), whisper (to the agent) or barge (both)."""
    session = _session_call(lambda: client.post(_session_path(session_id, "/mode"), {"mode": mode}), session_id)
    if as_json:
        print_json(session)
        return
    click.echo(f"session {session['id']}: {session['mode']} on {session['agent']} (call {session['call_uuid']})")


@supervise.command("end")
@click.argument("session_id")
@api_options
def supervise_end(client: ApiClient, as_json: bool, session_id: str) -> None:
    """End a session: the supervisor's phone is hung up, the call goes on."""
    session = _session_call(lambda: client.delete(_session_path(session_id)), session_id)
    if as_json:
        print_json(session)
        return
    click.echo(f"session {session['id']}: ended ({session['agent']}'s call goes on)")


# -- recordings -------------------------------------------------------------------------------------------------

@click.group("recordings")
def recordings() -> None:
    """Find, play and export call recordings."""


def _recording_filters(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in (click.option("--agent"), click.option("--queue"), click.option("--caller", help="Part of the number."),
                   click.option("--from", "day_from", help="First day (YYYY-MM-DD)."),
                   click.option("--to", "day_to", help="Last day (YYYY-MM-DD).")):
        command = option(command)
    return command


def _find(client: ApiClient, **filters: Any) -> list[dict[str, Any]]:
    return client.get("/api/v1/recordings", agent=filters["agent"], queue=filters["queue"],
                      caller=filters["caller"], kind="voicemail" if filters.get("voicemail") else None,
                      open="true" if filters.get("open_only") else None,
                      **{"from": filters["day_from"], "to": filters["day_to"]})


@recordings.command("find")
@_recording_filters
@click.option("--voicemail", is_flag=True, help="Voicemails only.")
@click.option("--open", "open_only", is_flag=True, help="Voicemails nobody has marked done.")
@api_options
def recordings_find(client: ApiClient, as_json: bool, **filters: Any) -> None:
    """List recordings (and voicemails) by agent, queue, caller and date."""
    rows = _find(client, **filters)
    if as_json:
        print_json(rows)
        return
    if filters.get("voicemail") or filters.get("open_only"):
        _print_voicemails(rows)
        return
    print_table(["date", "call", "kind", "agent", "queue", "caller", "file"],
                [[r["date"], r["call_uuid"], r.get("kind", "call"), r["agent"], r["queue"], r["caller"],
                  Path(r["path"]).name] for r in rows])


def _print_voicemails(rows: list[dict[str, Any]]) -> None:
    print_table(["id", "when", "caller", "case", "subject", "done", "file"],
                [[r["id"], r["started_at"], r["caller"], r.get("case") or "", r.get("subject") or "",
                  f"{r['done_at']} by {r['done_by']}" if r.get("done_at") else "no", r["file"]] for r in rows])


@recordings.command("optout")
@click.argument("call_uuid")
@api_options
def recordings_optout(client: ApiClient, as_json: bool, call_uuid: str) -> None:
    """Stop recording a queue call and record no later part of it (the caller asked not to be recorded)."""
    row = client.post(f"/api/v1/calls/{call_uuid}/recording/optout")
    print_json(row) if as_json else click.echo(f"call {row['uuid']}: not recorded from now on")


@recordings.command("queue")
@click.argument("queue")
@click.option("--off/--on", "off", default=True, help="Switch recording off (default) or back on.")
@api_options
def recordings_queue(client: ApiClient, as_json: bool, queue: str, off: bool) -> None:
    """Switch a queue's recording off, or back on, until the controller restarts."""
    row = client.post(f"/api/v1/queues/{queue}/recording", {"record": not off})
    print_json(row) if as_json else click.echo(f"queue {row['queue']}: recording {'on' if row['record'] else 'off'}")


@recordings.command("voicemails")
@click.option("--open", "open_only", is_flag=True, help="Only those nobody has marked done.")
@api_options
def recordings_voicemails(client: ApiClient, as_json: bool, open_only: bool) -> None:
    """The voicemail work list: who called, when, the case, done or not."""
    rows = client.get("/api/v1/voicemails", open="true" if open_only else None)
    print_json(rows) if as_json else _print_voicemails(rows)


@recordings.command("done")
@click.argument("voicemail_id", type=int)
@click.option("--undo", is_flag=True, help="Open it again.")
@api_options
def recordings_done(client: ApiClient, as_json: bool, voicemail_id: int, undo: bool) -> None:
    """Mark a voicemail dealt with (by its id in the work list)."""
    row = client.post(f"/api/v1/voicemails/{voicemail_id}/done", {"done": not undo})
    if as_json:
        print_json(row)
        return
    click.echo(f"voicemail {row['id']} from {row['caller']}: " + (f"done by {row['done_by']}" if row["done_at"]
                                                                  else "open"))


@recordings.command("play")
@click.argument("name")
@click.option("--print-path", is_flag=True, help="Only print where the file is.")
@api_options
def recordings_play(client: ApiClient, as_json: bool, name: str, print_path: bool) -> None:
    """Play one recording (by file name or call UUID) with sox's ``play``, or print its path."""
    matches = [r for r in client.get("/api/v1/recordings") if Path(r["path"]).name == name or r["call_uuid"] == name]
    if not matches:
        raise click.ClickException(f"no recording {name}")
    path = Path(matches[-1]["path"])
    if not path.is_file():   # the controller is elsewhere: fetch a copy
        path = Path(tempfile.mkdtemp(prefix="fsapp-rec-")) / path.name
        path.write_bytes(client.download(f"/api/v1/recordings/{path.name}"))
    player = shutil.which("play")
    if print_path or player is None or as_json:
        print_json({"path": str(path)}) if as_json else click.echo(str(path))
        return
    subprocess.run([player, "-q", str(path)], check=False)


@recordings.command("export")
@_recording_filters
@click.option("--out", "folder", required=True, type=click.Path(file_okay=False), help="Folder to write to.")
@api_options
def recordings_export(client: ApiClient, as_json: bool, folder: str, **filters: str | None) -> None:
    """Copy matching recordings into a folder with metadata.csv and metadata.json."""
    from fsapp.csvsafe import csv_dict_writer

    rows = _find(client, **filters)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for row in rows:
        name = Path(row["path"]).name
        (target / name).write_bytes(client.download(f"/api/v1/recordings/{name}"))
        row["file"] = name
    (target / "metadata.json").write_text(json.dumps(rows, indent=2, default=str), encoding="utf-8")
    columns = ["file", "call_uuid", "date", "agent", "queue", "caller", "started_at", "size"]
    with (target / "metadata.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv_dict_writer(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    print_json({"exported": len(rows), "folder": str(target)}) if as_json else \
        click.echo(f"{len(rows)} recording(s) exported to {target}")


# -- reports and alerts -----------------------------------------------------------------------------------------

@click.command("report")
@click.argument("name", type=click.Choice(list(REPORTS)))
@click.option("--from", "day_from", help="First day (YYYY-MM-DD; default today).")
@click.option("--to", "day_to", help="Last day (YYYY-MM-DD; default: the first).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "png"]), default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="File for csv/png (png needs one).")
@api_options
def report(client: ApiClient, as_json: bool, name: str, day_from: str | None, day_to: str | None, fmt: str,
           out: str | None) -> None:
    """Statistics: per day, per queue, per agent, cases per category, or contacts per channel."""
    from fsapp.reports.export import csv_text, write_chart
    from fsapp.reports.tables import Table

    data = client.get(f"/api/v1/reports/{name}", **{"from": day_from, "to": day_to})
    if as_json:
        print_json(data)
        return
    chart_column = CHART_COLUMNS[name]
    table = Table(name, data["columns"], [[row[c] for c in data["columns"]] for row in data["rows"]], chart_column)
    if fmt == "csv":
        Path(out).write_text(csv_text(table), encoding="utf-8") if out else click.echo(csv_text(table), nl=False)
    elif fmt == "png":
        if not out:
            raise click.ClickException("--format png needs --out FILE.png")
        click.echo(str(write_chart(table, out)))
    else:
        print_table(table.headers, table.rows)


@click.command("alerts")
@api_options
def alerts(client: ApiClient, as_json: bool) -> None:
    """Overdue cases, queues below their service level, agents stuck in a state."""
    data = client.get("/api/v1/alerts")
    if as_json:
        print_json(data)
        return
    click.echo("Queues below service level")
    print_table(["queue", "SL", "target", "waiting", "longest"],
                [[q["queue"], _percent(q["service_level"]), _percent(q["target"]), q["waiting"],
                  _seconds(q["longest_wait"])] for q in data["queues_below_service_level"]])
    click.echo("\nAgents stuck")
    print_table(["agent", "state", "for", "limit"], [[a["agent"], a["state"], _seconds(a["time_in_state"]),
                                                      _seconds(a["limit"])] for a in data["agents_stuck"]])
    click.echo("\nOverdue cases")
    print_table(["reference", "category", "status", "deadline", "assignee"],
                [[c["reference"], c["category"], c["status"], c["deadline"], c["assignee"]]
                 for c in data["overdue_cases"]])


COMMANDS: list[click.Command] = [
    monitor, agent, queue, recordings, report, alerts, transfer,
    _eavesdrop_command("listen", "listen", "Listen to an agent's call from your phone."),
    _eavesdrop_command("whisper", "whisper", "Speak to the agent only (the caller does not hear you)."),
    _eavesdrop_command("barge", "barge", "Join an agent's call: both hear you."), supervise,
]
