"""``fsapp ivr validate|simulate`` and ``fsapp prompts render``: check, try and pre-render IVR menus."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from fsapp.commands.common import config_from, print_json
from fsapp.errors import FsappError
from fsapp.ivr.hooks import HookLoader
from fsapp.ivr.interpreter import Interpreter
from fsapp.ivr.prompts import flow_prompts
from fsapp.ivr.simulate import Script, simulate
from fsapp.ivr.validate import validate_file


@click.group("ivr")
def ivr() -> None:
    """IVR menus: check them and try them without a phone."""


@ivr.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--hooks-dir", type=click.Path(file_okay=False), help="Where hook modules are (default: next to "
                                                                     "each flow file).")
@click.option("--acd", "acd_file", type=click.Path(dir_okay=False),
              help="Queues and agents the queue nodes must name (default: acd.file of the configuration).")
@click.pass_context
def validate(ctx: click.Context, files: tuple[str, ...], hooks_dir: str | None, acd_file: str | None) -> None:
    """Check flow files: schema, node references, unreachable nodes, loops, prompts per language, hooks, and
    that queue nodes name queues and skills of the ACD's file.

    Prints one FILE:LINE: message line per problem and exits with 1 if there is any."""
    from fsapp.acd.loader import load_acd_config
    from fsapp.controller import queues_missing_from_acd

    try:
        acd = load_acd_config(acd_file or config_from(ctx).acd.file)
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    problems = 0
    for path in files:
        flow, errors = validate_file(path, hooks_dir)
        errors = list(errors) + (queues_missing_from_acd([flow], acd) if flow is not None else [])
        for error in errors:
            click.echo(error.located(), err=True)
        problems += len(errors)
    if problems:
        raise SystemExit(1)
    click.echo(f"{len(files)} flow file{'s' if len(files) != 1 else ''} OK")


def _load_or_fail(path: str, hooks_dir: str | None) -> Any:
    flow, errors = validate_file(path, hooks_dir)
    if flow is None:
        for error in errors[1:]:
            click.echo(error.located(), err=True)
        raise click.ClickException(errors[0].located() if errors else f"{path}: cannot load")
    return flow


def _parse_moment(text: str | None) -> datetime:
    if not text:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO date and time (2026-03-03T10:00+01:00)") from exc
    return moment


def _open_store(url: str | None) -> Any:
    if not url:
        return None
    from fsapp.store import open_store

    try:
        return open_store(url, migrate=False)
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc


@ivr.command("simulate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--keys", default=None, help="Keys for each question in order, comma separated: 1,7,24000013#.")
@click.option("--say", "says", multiple=True, help="A phrase the caller says (repeat for several).")
@click.option("--caller", default="+4790000000", show_default=True, help="The caller's number.")
@click.option("--lang", default=None, help="Start in this language (default: the flow's).")
@click.option("--at", "at", default=None, help="Pretend the call comes at this time (ISO 8601), for opening hours.")
@click.option("--db", default=None, help="Case store for hooks (sqlite:///var/fsapp.db); none by default.")
@click.option("--hooks-dir", type=click.Path(file_okay=False), help="Hook modules (default: next to FILE).")
@click.option("--json", "as_json", is_flag=True, help="Print the call's path as one JSON object at the end.")
def simulate_command(file: str, keys: str | None, says: tuple[str, ...], caller: str, lang: str | None,
                     at: str | None, db: str | None, hooks_dir: str | None, as_json: bool) -> None:
    """Walk a flow as a call would, printing each prompt and the outcome.

    With --keys or --say it runs on its own (missing answers count as silence); otherwise it asks."""
    flow = _load_or_fail(file, hooks_dir)
    moment = _parse_moment(at)
    interactive = keys is None and not says
    script = Script.of(keys.split(",") if keys else [], says,
                       ask=(lambda question: click.prompt(question, default="", show_default=False))
                       if interactive else None)
    interpreter = Interpreter(flow, clock=lambda: moment, hooks=HookLoader(hooks_dir or Path(file).parent),
                              store=_open_store(db), call_uuid="simulated", caller_number=caller, language=lang)
    path = simulate(interpreter, script, click.echo)
    if as_json:
        print_json(path.to_dict())
    else:
        click.echo(f"outcome: {path.outcome}{' ' + path.detail if path.detail else ''}")
        click.echo(f"path: {' > '.join(path.nodes)}")
        for error in path.errors:
            click.echo(f"error: {error}")


@click.group("prompts")
def prompts() -> None:
    """Recorded and synthesized prompts."""


@prompts.command("render")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--cache", "cache_dir", default=None, help="TTS cache directory (default: speech.tts_cache).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@click.pass_context
def render(ctx: click.Context, files: tuple[str, ...], cache_dir: str | None, as_json: bool) -> None:
    """Pre-render every prompt of every flow (default: all flows in ivr.flows_dir) into the TTS cache."""
    from fsapp.speech.tts import TtsCache

    config = config_from(ctx)
    paths = list(files) or sorted(str(p) for p in Path(config.ivr.flows_dir).glob("*.yaml"))
    cache = TtsCache(cache_dir or config.speech.tts_cache)
    rendered = cached = 0
    started = time.perf_counter()
    for path in paths:
        flow = _load_or_fail(path, None)
        for language, text in flow_prompts(flow):
            if cache.is_cached(text, language):
                cached += 1
                continue
            try:
                cache.render(text, language)
            except FsappError as exc:
                raise click.ClickException(f"{path}: {language}: {exc}") from exc
            rendered += 1
    summary = {"flows": len(paths), "rendered": rendered, "cached": cached,
               "seconds": round(time.perf_counter() - started, 3), "cache": str(cache.directory)}
    if as_json:
        print_json(summary)
    else:
        click.echo(f"{rendered} prompts rendered, {cached} already cached, from {len(paths)} flows "
                   f"into {cache.directory}")


COMMANDS: list[click.Command] = [ivr, prompts]
