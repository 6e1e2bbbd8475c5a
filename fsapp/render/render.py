"""Render the chosen pieces into a directory laid out like FreeSWITCH's conf directory."""

from __future__ import annotations

import logging
from pathlib import Path

import jinja2

from fsapp.acd.config import AcdConfig
from fsapp.config import Config
from fsapp.privatefiles import write_atomic
from fsapp.render.errors import RenderError
from fsapp.render.model import apology_path, moh_path, softphone_user, template_context
from fsapp.render.moh import ensure_hold_music
from fsapp.render.pieces import MOH_SNIPPET, selected_outputs
from fsapp.render.secrets import softphone_passwords

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_template_dirs() -> tuple[Path, ...]:
    """conf/templates and dialplans of the source tree, or of the current directory for an installed package."""
    for root in (PROJECT_ROOT, Path.cwd()):
        if (root / "conf" / "templates").is_dir():
            return (root / "conf" / "templates", root / "dialplans")
    raise RenderError(f"no conf/templates directory in {PROJECT_ROOT} or {Path.cwd()}")

# Files that hold a credential (event socket password, trunk passwords, softphone digests).
PRIVATE_FILES = {"autoload_configs/event_socket.conf.xml", "sip_profiles/fsapp_trunks.xml", "directory/fsapp.xml",
                 "kamailio/db/subscriber"}
# Files written from the softphones' passwords (kept in freeswitch.secrets_file).
PASSWORD_FILES = ("directory/fsapp.xml", "kamailio/db/subscriber")
# Templates that are not XML (Kamailio's), filled without XML escaping.
PLAIN_TEMPLATES = ("cfg", "list", "dbtext")


def environment(template_dirs: tuple[Path, ...]) -> jinja2.Environment:
    """Jinja with XML escaping on every value (but in :data:`PLAIN_TEMPLATES`) and an error for any undefined name."""
    autoescape = jinja2.select_autoescape(enabled_extensions=(), disabled_extensions=PLAIN_TEMPLATES, default=True)
    return jinja2.Environment(loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]), autoescape=autoescape,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              trim_blocks=True, lstrip_blocks=True)


def render_config(config: Config, acd: AcdConfig, out_dir: str | Path, pieces: tuple[str, ...] = (),
                  base: Path | None = None, template_dirs: tuple[Path, ...] | None = None) -> list[Path]:
    """Write the pieces (all when none given) under ``out_dir``; returns the files written.

    ``base`` is the directory relative paths in the configuration are taken from (default: the current one).
    With the ``moh`` piece, hold music is generated into ``freeswitch.moh_dir`` when it has none (listed last).
    """
    out = Path(out_dir)
    base = base or Path.cwd()
    outputs = selected_outputs(pieces, config.freeswitch)
    needs_passwords = any(o.path in PASSWORD_FILES for o in outputs)
    users = {softphone_user(agent): agent.id for agent in acd.agents.values()}
    passwords = (softphone_passwords(base / config.freeswitch.secrets_file, sorted(users), former_keys=users)
                 if needs_passwords else {user: "" for user in users})
    context = template_context(config, acd, passwords, base, out)
    env = environment(template_dirs or default_template_dirs())
    written = []
    for output in outputs:
        try:
            text = env.get_template(output.template).render(context)
        except jinja2.TemplateError as exc:
            raise RenderError(f"template {output.template}: {exc}") from exc
        written.append(_write(out / output.path, text, private=output.path in PRIVATE_FILES))
        log.info("wrote %s", out / output.path)
    if context["last_resort"].after and any(output.template == "fsapp_park.xml" for output in outputs):
        written.append(apology_path(config, base, render=True))   # the last resort's apology, spoken
    if any(output.path == MOH_SNIPPET for output in outputs):
        music = ensure_hold_music(Path(moh_path(config.freeswitch.moh_dir, base)))   # hold is never silent
        written += [music] if music else []
    return written


def _write(path: Path, text: str, private: bool) -> Path:
    return write_atomic(path, text, 0o640 if private else 0o644)
